import { describe, expect, it } from 'vitest'
import { awsErrorName, describeAwsError } from '../src/aws-errors.js'
import { PROXY_REFUSED_HELP } from '../src/network.js'
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

  it.each([
    ['401 Unauthorized', 'HTTP 401): check the user name and password in http-proxy or HTTPS_PROXY'],
    [
      '403 Forbidden',
      'HTTP 403): check that the proxy lets this runner reach api.ecr.eu-west-1.amazonaws.com:443, or list the host in NO_PROXY'
    ],
    ['407 Proxy Authentication Required', undefined]
  ])('names a proxy that refuses the tunnel (%s) and its fix, never the proxy URL', (answer, text) => {
    const error = new Error(
      'Failed to establish tunnel to api.ecr.eu-west-1.amazonaws.com:443 via http://ci:s3cret@proxy.internal:3128/: ' +
        `HTTP/1.1 ${answer}`
    )
    const described = describeAwsError(error)
    if (text) expect(described).toBe(`the proxy refused the tunnel to api.ecr.eu-west-1.amazonaws.com:443 (${text}`)
    else expect(described).toBe(PROXY_REFUSED_HELP)
    expect(described).not.toContain('s3cret')
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

describe('describeAwsError: an answer that is not from AWS', () => {
  // As the SDK throws it when the body is not JSON: a SyntaxError with the raw answer attached.
  function foreignAnswer(status: number, contentType: string, body: string): Error {
    const error = new SyntaxError(
      `Unexpected token '<', "${body}" is not valid JSON\n  Deserialization error: to see the raw response, ` +
        'inspect the hidden field {error}.$response on this object.'
    )
    return Object.assign(error, {
      $metadata: { httpStatusCode: status },
      $response: { statusCode: status, headers: { 'content-type': contentType } }
    })
  }

  it.each([
    [200, 'text/html; charset=utf-8', '<html>Sign in to the Wi-Fi</html>'],
    [403, 'text/html', '<html>Forbidden</html>'],
    [404, 'text/plain', 'not found']
  ])('names HTTP %i, its content type and the likely cause, never SDK internals', (status, type, body) => {
    const text = describeAwsError(foreignAnswer(status, type, body))
    expect(text).toBe(
      `an answer that is not from AWS (HTTP ${status}, ${type.split(';')[0]}); a custom endpoint ` +
        '(AWS_ENDPOINT_URL…) that is not AWS, or a proxy or captive portal in the way, answered instead'
    )
    expect(text).not.toMatch(/Deserialization|\$response|Unexpected token/)
  })

  it('points at the proxy for a 401 that is not from AWS', () => {
    expect(describeAwsError(foreignAnswer(401, 'text/html', '<html>401</html>'))).toContain(
      'if a proxy is in the way, the proxy refused the request'
    )
  })
})
