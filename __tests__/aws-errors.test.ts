import { describe, expect, it } from 'vitest'
import { awsErrorName, describeAwsError } from '../src/aws-errors.js'
import { PROXY_REFUSED_HELP } from '../src/proxy-help.js'
import { awsError } from './fixtures/aws.js'

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
