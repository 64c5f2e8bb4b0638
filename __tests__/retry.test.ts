import { AssumeRoleWithWebIdentityCommand, InvalidIdentityTokenException, STSClient } from '@aws-sdk/client-sts'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { ActionError, ThrottlingError, TransientError } from '../src/errors.js'
import {
  backoffDelay,
  isThrottling,
  isTransient,
  type RetryPolicy,
  THROTTLING_MAX_DELAY_MS,
  throttlingDelay,
  withRetry
} from '../src/retry.js'
import { Deadline } from '../src/deadline.js'
import { awsError, stsError } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

/** A deadline whose timeout is a timer, so that vi's fake clock drives it (AbortSignal.timeout is not faked). */
function fakeTimedDeadline(seconds: number): Deadline {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(new Error('timeout')), seconds * 1000)
  ;(timer as { unref?: () => void }).unref?.()
  return new Deadline(seconds, undefined, timeout.signal)
}

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
    ['ENOTFOUND (as the SDK retries it)', withCode('ENOTFOUND')],
    ['ECONNABORTED (which the SDK does not list)', withCode('ECONNABORTED')],
    ['UND_ERR_SOCKET (which the SDK does not list)', withCode('UND_ERR_SOCKET')],
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
    ['HTTP 501 (as the SDK does not retry it)', withStatus(501)],
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

describe('isThrottling', () => {
  it.each([
    ['ThrottlingException (ECR)', awsError('ThrottlingException', 'Rate exceeded')],
    ['Throttling (STS)', stsError('Throttling', 'Rate exceeded')],
    ['TooManyRequestsException', awsError('TooManyRequestsException', 'Too many requests', 429)],
    ['RequestLimitExceeded', awsError('RequestLimitExceeded', 'Request limit exceeded')],
    ['HTTP 429 with any name', awsError('SomethingNew', 'slow down', 429)],
    ['an AWS answer saying "Rate exceeded" only', awsError('SomethingNew', 'Rate exceeded')],
    ['an SDK error marked as throttling', Object.assign(awsError('X', 'x'), { $retryable: { throttling: true } })],
    ['ThrottlingError (an OIDC or registry 429)', new ThrottlingError('the token service answered HTTP 429')]
  ])('counts %s as throttling', (_label, error) => {
    expect(isThrottling(error)).toBe(true)
    expect(isTransient(error)).toBe(true)
  })

  it.each([
    ['HTTP 503', withStatus(503)],
    ['ServiceUnavailableException', awsError('ServiceUnavailableException', 'Unavailable', 503)],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['a TransientError', new TransientError('the token service answered HTTP 502')],
    ['AccessDenied', stsError('AccessDenied', 'Not authorized', 403)],
    ['a plain Error saying "Rate exceeded" (not an AWS answer)', new Error('Rate exceeded')],
    ['an AbortError', Object.assign(new Error('aborted'), { name: 'AbortError', $metadata: { httpStatusCode: 429 } })],
    ['null', null]
  ])('does not count %s as throttling', (_label, error) => {
    expect(isThrottling(error)).toBe(false)
  })
})

describe('throttlingDelay', () => {
  it.each([
    [1, 0.999, undefined, 249],
    [3, 0.5, undefined, 500],
    [7, 0.999, undefined, 4995],
    [30, 0.999, undefined, 4995],
    [30, 0, undefined, 0],
    [1, 0.5, 3000, 3000],
    [7, 0.999, 3000, 4995],
    [2, 0.1, 45_000, 45_000]
  ])(
    'after throttled answer %i with random %f and Retry-After %s ms waits %i ms',
    (throttled, r, retryAfter, delay) => {
      expect(throttlingDelay(throttled, { baseDelayMs: 250 }, retryAfter, () => r)).toBe(delay)
    }
  )

  it('never waits longer than THROTTLING_MAX_DELAY_MS without a Retry-After', () => {
    expect(THROTTLING_MAX_DELAY_MS).toBe(5000)
    for (let throttled = 1; throttled < 60; throttled++) {
      expect(throttlingDelay(throttled, { baseDelayMs: 250 }, undefined, () => 0.9999999)).toBeLessThan(5000)
    }
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
    const deadline = fakeTimedDeadline(timeoutSeconds)
    return { deadline, options: { retry: policy, deadline } }
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
      .mockRejectedValueOnce(awsError('ServiceUnavailableException', 'Service Unavailable', 503))
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
      'ECR GetAuthorizationToken in eu-west-1 failed (ServiceUnavailableException: Service Unavailable); retrying in 0.1 s (attempt 2 of 5)',
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
        "ServiceUnavailableException: Service Unavailable. Try again later, or raise 'retry-max-attempts'."
    )
    expect((error as ActionError).cause).toBe(last)
  })

  it('quotes an answer that is not from AWS by its status and type, never the SDK’s internals', async () => {
    const { options } = setup({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 })
    const portal = Object.assign(
      new Error(
        'Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'
      ),
      { $metadata: { httpStatusCode: 503 }, $response: { statusCode: 503, headers: { 'content-type': 'text/html' } } }
    )
    const error = await withRetry(
      'ECR GetAuthorizationToken in eu-west-1',
      () => Promise.reject(portal),
      options
    ).catch((caught: unknown) => caught)
    const message = (error as ActionError).message
    expect(message).toContain('the last: an answer that is not from AWS (HTTP 503, text/html); a custom endpoint')
    expect(core.printed().join('\n')).toContain('failed (an answer that is not from AWS (HTTP 503, text/html);')
    expect(`${message}\n${core.printed().join('\n')}`).not.toMatch(/Deserialization|\$response/)
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
    const deadline = fakeTimedDeadline(2)
    const options = { retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, deadline }
    const call = vi.fn(() => Promise.reject(withStatus(503)))
    const result = deadline.race(
      withRetry('ECR GetAuthorizationToken in eu-west-1', call, { ...options, random: () => 1 })
    )
    const settled = result.catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(2000)
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
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
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

describe('withRetry under throttling', () => {
  const ECR = 'ECR GetAuthorizationToken in eu-west-1'
  const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 8000 }
  const rateExceeded = (): Error => awsError('ThrottlingException', 'Rate exceeded')

  /** Times (fake ms since start) at which `call` was made. */
  function timedCall<T>(answers: (() => Promise<T>)[], fallback: () => Promise<T>) {
    const started = Date.now()
    const at: number[] = []
    const call = vi.fn(() => {
      at.push(Date.now() - started)
      return (answers.shift() ?? fallback)()
    })
    return { call, at }
  }

  /** withRetry on a call throttled `n` times, then answered; the fake clock runs for `ms`. */
  async function throttledThenThrough(n: number, random: number, ms: number) {
    vi.useFakeTimers()
    const deadline = fakeTimedDeadline(600)
    const answers = Array.from({ length: n }, () => () => Promise.reject(rateExceeded()))
    const { call, at } = timedCall<string>(answers, () => Promise.resolve('token'))
    const result = withRetry(ECR, call, { retry: policy, deadline, random: () => random })
    await vi.advanceTimersByTimeAsync(ms)
    await expect(result).resolves.toBe('token')
    return { call, at }
  }

  it('retries throttling past retry-max-attempts, until it goes through', async () => {
    const { call } = await throttledThenThrough(12, 0.5, 60_000)
    expect(call).toHaveBeenCalledTimes(13)
  })

  it('says once that it is throttled, and how long it waited when it goes through', async () => {
    const { at } = await throttledThenThrough(20, 0.5, 200_000)
    expect(core.printed()).toEqual([
      `${ECR} is throttled (ThrottlingException: Rate exceeded); retrying with backoff of up to 5.0 s until it goes through or the ` +
        "step's deadline passes",
      `${ECR} went through after 20 throttled attempt(s) and ${(at[20] / 1000).toFixed(1)} s of waiting`
    ])
  })

  it('waits at most 5 s between throttled attempts', async () => {
    const { at } = await throttledThenThrough(30, 0.9999, 400_000)
    const gaps = at.slice(1).map((time, i) => time - at[i])
    expect(Math.max(...gaps)).toBe(4999)
    // The backoff grows first: 250 ms, 500 ms, 1 s, …
    expect(gaps.slice(0, 3)).toEqual([249, 499, 999])
  })

  it("waits the answer's Retry-After before the next attempt", async () => {
    vi.useFakeTimers()
    const deadline = fakeTimedDeadline(120)
    const { call, at } = timedCall<string>(
      [() => Promise.reject(new ThrottlingError('the token service answered HTTP 429', 7000))],
      () => Promise.resolve('token')
    )
    const result = withRetry("GitHub's OIDC token request", call, { retry: policy, deadline, random: () => 0.5 })
    await vi.advanceTimersByTimeAsync(6999)
    expect(call).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    await expect(result).resolves.toBe('token')
    expect(at).toEqual([0, 7000])
  })

  it('still gives up on other transient failures after retry-max-attempts, throttling in between', async () => {
    vi.useFakeTimers()
    const deadline = fakeTimedDeadline(120)
    const unavailable = (): Promise<never> => Promise.reject(withStatus(503))
    const throttle = (): Promise<never> => Promise.reject(rateExceeded())
    const { call } = timedCall<string>(
      [throttle, unavailable, throttle, throttle, unavailable, throttle, unavailable],
      () => Promise.resolve('token')
    )
    const settled = withRetry(ECR, call, { retry: policy, deadline, random: () => 0.5 }).catch(
      (error: unknown) => error
    )
    await vi.advanceTimersByTimeAsync(60_000)
    const error = (await settled) as ActionError
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toMatch(
      new RegExp(`^${ECR} failed 3 time\\(s\\) with a transient error, the last: Error: HTTP 503\\.`)
    )
    expect(call).toHaveBeenCalledTimes(7)
  })

  it('names the throttling, and what to do about it, when the deadline passes', async () => {
    vi.useFakeTimers()
    const deadline = fakeTimedDeadline(30)
    const { call } = timedCall<string>([], () => Promise.reject(rateExceeded()))
    const settled = deadline
      .race(withRetry(ECR, call, { retry: policy, deadline, random: () => 0.5 }))
      .catch((error: unknown) => error as Error)
    await vi.advanceTimersByTimeAsync(30_000)
    const { message } = (await settled) as Error
    expect(message).toMatch(
      new RegExp(
        `^Timed out after 30 s \\(timeout-seconds\\) while waiting for ${ECR}, throttled \\d+ time\\(s\\) over 2\\d\\.\\d s ` +
          "\\(the account's rate quota is shared by every job calling at that moment: raise 'timeout-seconds', " +
          "or run fewer jobs at once \\(the matrix's 'max-parallel'\\)\\)\\."
      )
    )
    const calls = call.mock.calls.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(call).toHaveBeenCalledTimes(calls)
    expect(core.printed()).toHaveLength(1)
  })

  it('honours Retry-After from an AWS answer, as the SDK parsed it', async () => {
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'retry-after': '4' })
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }))
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const ecr = new ECRClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }
    })
    const answer = (await ecr.send(new GetAuthorizationTokenCommand({})).catch((error: unknown) => error)) as Error
    ecr.destroy()
    server.close()

    vi.useFakeTimers()
    const deadline = fakeTimedDeadline(120)
    const { call, at } = timedCall<string>([() => Promise.reject(answer)], () => Promise.resolve('token'))
    const result = withRetry(ECR, call, { retry: policy, deadline, random: () => 0 })
    await vi.advanceTimersByTimeAsync(10_000)
    await expect(result).resolves.toBe('token')
    // 4 s, less the few ms between the answer and the fake clock taking over.
    expect(at[1]).toBeGreaterThan(3500)
    expect(at[1]).toBeLessThanOrEqual(4000)
  })
})
