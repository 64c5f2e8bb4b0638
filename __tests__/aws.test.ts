import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { awsErrorName, clientConfig, describeAwsError, maskCredentials } from '../src/aws.js'
import { PROXY_REFUSED_HELP } from '../src/proxy.js'
import { awsError, callContext } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

beforeEach(() => core.resetCore())

describe('clientConfig', () => {
  it('turns the SDK retries off and gives every client the shared agents and timeouts', () => {
    const { context, dispose } = callContext()
    try {
      const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }
      expect(clientConfig(context, 'eu-west-1', credentials)).toEqual({
        region: 'eu-west-1',
        credentials,
        maxAttempts: 1,
        customUserAgent: 'ecr-login-action',
        requestHandler: {
          httpAgent: context.agents.http,
          httpsAgent: context.agents.https,
          connectionTimeout: 5000,
          requestTimeout: 8000,
          throwOnRequestTimeout: true
        }
      })
      expect(clientConfig(context, 'us-east-1').requestHandler.httpsAgent).toBe(context.agents.https)
      expect(clientConfig(context, 'us-east-1').credentials).toBeUndefined()
    } finally {
      dispose()
    }
  })
})

describe('describeAwsError', () => {
  it.each([
    [
      { name: 'AccessDeniedException', message: 'User: arn:aws:iam::1:user/x is not authorized' },
      'AccessDeniedException: User: arn:aws:iam::1:user/x is not authorized'
    ],
    [{ name: 'AccessDenied', message: 'AccessDenied: no' }, 'AccessDenied: no'],
    [
      { name: 'Error', Code: 'InvalidIdentityToken', message: 'Incorrect token audience' },
      'InvalidIdentityToken: Incorrect token audience'
    ],
    [{ message: 'no name' }, 'Error: no name'],
    ['socket hang up', 'Error: socket hang up']
  ])('quotes %j as %j', (error, text) => {
    expect(describeAwsError(error)).toBe(text)
  })

  it('explains a proxy that asks for authentication instead of quoting the unparseable answer', () => {
    expect(describeAwsError(awsError('Unknown', 'Unexpected end of input', 407))).toBe(PROXY_REFUSED_HELP)
    expect(PROXY_REFUSED_HELP).toContain('http-proxy')
  })

  it('quotes a real Error with its name', () => {
    const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    expect(describeAwsError(error)).toBe('ThrottlingException: Rate exceeded')
  })
})

describe('awsErrorName', () => {
  it.each([
    [{ name: 'AccessDenied' }, 'AccessDenied'],
    [{ name: 'Error', Code: 'ExpiredTokenException' }, 'ExpiredTokenException'],
    [{}, undefined],
    ['AccessDenied', undefined],
    [null, undefined]
  ])('names %j %s', (error, name) => {
    expect(awsErrorName(error)).toBe(name)
  })
})

describe('maskCredentials', () => {
  it('masks the secret key and the session token, not the access key ID', () => {
    maskCredentials({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret-key', sessionToken: 'session-token' })
    expect(core.secrets()).toEqual(['secret-key', 'session-token'])
  })

  it('masks only the secret key of long-term credentials', () => {
    maskCredentials({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key' })
    expect(core.secrets()).toEqual(['secret-key'])
  })
})
