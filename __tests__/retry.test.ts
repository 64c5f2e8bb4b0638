import { AssumeRoleWithWebIdentityCommand, InvalidIdentityTokenException, STSClient } from '@aws-sdk/client-sts'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { ActionError } from '../src/errors.js'
import { Deadline } from '../src/deadline.js'
import { backoffDelay, isTransient, type RetryPolicy, TransientError, withRetry } from '../src/retry.js'
import { awsError, stsError } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const $metadata = { httpStatusCode: 400, requestId: 'req-0001', attempts: 1, totalRetryDelay: 0 }

function withCode(code: string): Error {
  return Object.assign(new Error(`connect ${code} 52.94.0.1:443`), { code })
}

function withStatus(httpStatusCode: number): Error {
  return Object.assign(new Error(`HTTP ${httpStatusCode}`), { $metadata: { httpStatusCode } })
}

beforeEach(() => core.resetCore())
afterEach(() => {
  vi.useRealTimers()
})

describe('isTransient', () => {
  it.each([
    ['TransientError', new TransientError('the token service answered HTTP 503')],
    ['ThrottlingException', awsError('ThrottlingException', 'Rate exceeded')],
    ['Throttling', awsError('Throttling', 'Rate exceeded')],
    ['TooManyRequestsException', awsError('TooManyRequestsException', 'Too many requests', 429)],
    ['RequestLimitExceeded', awsError('RequestLimitExceeded', 'Request limit exceeded')],
    ['ServiceUnavailableException', awsError('ServiceUnavailableException', 'Unavailable', 503)],
    ['InternalFailure', awsError('InternalFailure', 'Internal failure', 500)],
    ['ServerException (ECR)', awsError('ServerException', 'Server exception', 500)],
    ['TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['STS Throttling', stsError('Throttling', 'Rate exceeded')],
    ['STS IDPCommunicationError', stsError('IDPCommunicationError', 'Could not reach the identity provider')],
    [
      "STS InvalidIdentityToken: Couldn't retrieve verification key",
      stsError(
        'InvalidIdentityToken',
        "Couldn't retrieve verification key from your identity provider, please reference " +
          'AssumeRoleWithWebIdentity documentation for requirements'
      )
    ],
    [
      "InvalidIdentityTokenException without a Code: Couldn't retrieve verification key",
      new InvalidIdentityTokenException({ message: "Couldn't retrieve verification key", $metadata })
    ],
    ['HTTP 429', withStatus(429)],
    ['HTTP 500', withStatus(500)],
    ['HTTP 502', withStatus(502)],
    ['HTTP 503', withStatus(503)],
    ['HTTP 504', withStatus(504)],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['EAI_AGAIN', withCode('EAI_AGAIN')],
    ['EPIPE', withCode('EPIPE')],
    ['a network error as the cause', new TypeError('fetch failed', { cause: withCode('ECONNRESET') })],
    ['an SDK error marked retryable', Object.assign(awsError('SomethingNew', 'try later'), { $retryable: {} })]
  ])('retries %s', (_label, error) => {
    expect(isTransient(error)).toBe(true)
  })

  it.each([
    ['STS AccessDenied', stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403)],
    ['ECR AccessDeniedException', awsError('AccessDeniedException', 'User is not authorized', 400)],
    [
      'STS ValidationError',
      stsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration')
    ],
    ['STS InvalidIdentityToken for a wrong audience', stsError('InvalidIdentityToken', 'Incorrect token audience')],
    [
      'STS InvalidIdentityToken for an unknown provider',
      stsError(
        'InvalidIdentityToken',
        'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com'
      )
    ],
    ['STS ExpiredTokenException', stsError('ExpiredTokenException', 'Token expired')],
    ['STS RegionDisabledException', stsError('RegionDisabledException', 'STS is not activated')],
    ['UnrecognizedClientException', awsError('UnrecognizedClientException', 'The security token is invalid')],
    ['HTTP 400', withStatus(400)],
    ['HTTP 401', withStatus(401)],
    ['HTTP 403', withStatus(403)],
    ['HTTP 404', withStatus(404)],
    ['an ActionError', new ActionError('docker login to x was rejected: unauthorized')],
    ['a plain Error', new Error('boom')],
    ['ENOENT', withCode('ENOENT')],
    [
      'an AbortError, even when marked retryable',
      Object.assign(new Error('aborted'), { name: 'AbortError', $retryable: {} })
    ],
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
    [
      'an error whose cause is itself',
      (() => {
        const error = new Error('loop') as Error & { cause?: unknown }
        error.cause = error
        return error
      })()
    ]
  ])('does not retry %s', (_label, error) => {
    expect(isTransient(error)).toBe(false)
  })
})

describe('isTransient on errors the SDK parsed from real answers', () => {
  // A loopback endpoint answering as STS and ECR do, so that the errors have the SDK's real shape.
  async function answeredError(
    status: number,
    headers: Record<string, string>,
    body: string,
    send: (endpoint: string) => Promise<unknown>
  ): Promise<unknown> {
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(status, headers)
        res.end(body)
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      return await send(endpoint).then(
        () => undefined,
        (error: unknown) => error
      )
    } finally {
      server.closeAllConnections()
      server.close()
    }
  }

  const stsXml = (code: string, message: string): string =>
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`

  function assumeRole(endpoint: string): Promise<unknown> {
    const sts = new STSClient({ region: 'eu-west-1', endpoint, maxAttempts: 1 })
    return sts
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: 'arn:aws:iam::123456789012:role/ci',
          RoleSessionName: 'gha-test',
          WebIdentityToken: 'header.payload.signature'
        })
      )
      .finally(() => sts.destroy())
  }

  it.each([
    ['InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider", true],
    ['IDPCommunicationError', 'The identity provider could not be reached', true],
    ['Throttling', 'Rate exceeded', true],
    ['InvalidIdentityToken', 'Incorrect token audience', false],
    ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', false],
    ['ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration', false]
  ])('classifies STS %s "%s" as transient: %s', async (code, message, transient) => {
    const error = await answeredError(400, { 'content-type': 'text/xml' }, stsXml(code, message), assumeRole)
    expect(error).toMatchObject({ Code: code, message })
    expect(isTransient(error)).toBe(transient)
  })

  it.each([
    ['ThrottlingException', 'Rate exceeded', true],
    ['AccessDeniedException', 'User is not authorized to perform: ecr:GetAuthorizationToken', false]
  ])('classifies ECR %s as transient: %s', async (type, message, transient) => {
    const error = await answeredError(
      400,
      { 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify({ __type: type, message }),
      endpoint => {
        const ecr = new ECRClient({
          region: 'eu-west-1',
          endpoint,
          maxAttempts: 1,
          credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }
        })
        return ecr.send(new GetAuthorizationTokenCommand({})).finally(() => ecr.destroy())
      }
    )
    expect(error).toMatchObject({ name: type, message })
    expect(isTransient(error)).toBe(transient)
  })
})

describe('backoffDelay', () => {
  const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 8000 }

  it.each([
    [1, 0.999, 249],
    [2, 0.999, 499],
    [3, 0.5, 500],
    [5, 0.999, 3996],
    [6, 0.999, 7992],
    [7, 0.999, 7992],
    [20, 0.999, 7992],
    [4, 0, 0]
  ])('waits a random share of the capped exponential delay: attempt %i, random %f → %i ms', (attempt, r, delay) => {
    expect(backoffDelay(attempt, policy, () => r)).toBe(delay)
  })

  it('never waits longer than maxDelayMs', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      expect(backoffDelay(attempt, policy, () => 0.9999999)).toBeLessThan(policy.maxDelayMs)
    }
  })
})

describe('withRetry', () => {
  function setup(policy: RetryPolicy, timeoutSeconds = 30) {
    const deadline = new Deadline(timeoutSeconds)
    return { deadline, options: { policy, deadline } }
  }

  it('returns the first success without retrying and hands the call the deadline signal', async () => {
    const { deadline, options } = setup({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 })
    const call = vi.fn((signal: AbortSignal) => Promise.resolve(signal === deadline.signal ? 'token' : 'wrong signal'))
    await expect(withRetry('ECR GetAuthorizationToken in eu-west-1', call, options)).resolves.toBe('token')
    expect(call).toHaveBeenCalledTimes(1)
    expect(core.info).not.toHaveBeenCalled()
  })

  it('retries transient failures with full-jitter backoff until one succeeds', async () => {
    vi.useFakeTimers()
    const { options } = setup({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 })
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .mockRejectedValueOnce(withCode('ECONNRESET'))
      .mockResolvedValue('token')
    const result = withRetry('ECR GetAuthorizationToken in eu-west-1', call, { ...options, random: () => 0.5 })

    // Attempt 1 fails; the delay is 0.5 × 100 ms.
    await vi.advanceTimersByTimeAsync(49)
    expect(call).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(call).toHaveBeenCalledTimes(2)
    // Attempt 2 fails; the delay is 0.5 × 200 ms.
    await vi.advanceTimersByTimeAsync(99)
    expect(call).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1)
    await expect(result).resolves.toBe('token')
    expect(call).toHaveBeenCalledTimes(3)
    expect(core.printed()).toEqual([
      'ECR GetAuthorizationToken in eu-west-1 failed (Rate exceeded); retrying in 0.1 s (attempt 2 of 5)',
      'ECR GetAuthorizationToken in eu-west-1 failed (connect ECONNRESET 52.94.0.1:443); retrying in 0.1 s (attempt 3 of 5)'
    ])
  })

  it('fails at once on a non-transient error, with that error', async () => {
    const { options } = setup({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 })
    const denied = awsError('AccessDeniedException', 'not authorized')
    const call = vi.fn(() => Promise.reject(denied))
    await expect(withRetry('ECR GetAuthorizationToken in eu-west-1', call, options)).rejects.toBe(denied)
    expect(call).toHaveBeenCalledTimes(1)
    expect(core.info).not.toHaveBeenCalled()
  })

  it('gives up after maxAttempts, naming the call, the last error and retry-max-attempts', async () => {
    const { options } = setup({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 })
    const last = awsError('ServiceUnavailableException', 'Service Unavailable', 503)
    const call = vi
      .fn<() => Promise<never>>()
      .mockRejectedValueOnce(withCode('ETIMEDOUT'))
      .mockRejectedValueOnce(withStatus(502))
      .mockRejectedValueOnce(last)
    const error = await withRetry('STS AssumeRoleWithWebIdentity in eu-west-1', call, options).catch(
      (caught: unknown) => caught
    )
    expect(call).toHaveBeenCalledTimes(3)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as ActionError).message).toBe(
      'STS AssumeRoleWithWebIdentity in eu-west-1 failed 3 time(s) with a transient error, the last: ' +
        "Service Unavailable. It may be throttled or unavailable; try again later, or raise 'retry-max-attempts'."
    )
    expect((error as ActionError).cause).toBe(last)
  })

  it('tries once when retry-max-attempts is 1', async () => {
    const { options } = setup({ maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 })
    const call = vi.fn(() => Promise.reject(new TransientError('docker login to x: 503 Service Unavailable')))
    await expect(withRetry('docker login to x', call, options)).rejects.toThrow(
      /^docker login to x failed 1 time\(s\) with a transient error/
    )
    expect(call).toHaveBeenCalledTimes(1)
  })

  it('uses the classification it is given', async () => {
    const { options } = setup({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 })
    const call = vi.fn<() => Promise<string>>().mockRejectedValueOnce(new Error('odd')).mockResolvedValue('ok')
    await expect(withRetry('x', call, { ...options, isTransient: () => true })).resolves.toBe('ok')
    expect(call).toHaveBeenCalledTimes(2)
  })

  it('stops retrying when the deadline passes during the backoff', async () => {
    vi.useFakeTimers()
    const timeout = new AbortController()
    const deadline = new Deadline(2, undefined, timeout.signal)
    const options = { policy: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, deadline }
    const call = vi.fn(() => Promise.reject(awsError('ThrottlingException', 'Rate exceeded')))
    const result = deadline.race(
      withRetry('ECR GetAuthorizationToken in eu-west-1', call, { ...options, random: () => 1 })
    )
    const settled = result.catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(2000)
    timeout.abort()
    const error = await settled
    expect((error as Error).message).toMatch(
      /^Timed out after 2 s \(timeout-seconds\) while waiting for ECR GetAuthorizationToken in eu-west-1\./
    )
    await vi.advanceTimersByTimeAsync(120_000)
    expect(call).toHaveBeenCalledTimes(1)
    expect(deadline.signal.aborted).toBe(true)
  })

  it('does not call again once the deadline has aborted the call', async () => {
    vi.useFakeTimers()
    const timeout = new AbortController()
    const options = {
      policy: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      deadline: new Deadline(1, undefined, timeout.signal)
    }
    const call = vi.fn(
      (signal: AbortSignal) =>
        new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(withCode('ECONNRESET'))))
    )
    const settled = withRetry('docker login to x', call, options).catch((error: unknown) => error)
    timeout.abort()
    await vi.advanceTimersByTimeAsync(1000)
    expect(await settled).toMatchObject({ code: 'ECONNRESET' })
    expect(call).toHaveBeenCalledTimes(1)
  })
})
