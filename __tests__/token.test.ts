import { describe, expect, it } from 'vitest'
import { ActionError } from '../src/errors.js'
import { decodeAuthorizationToken } from '../src/token.js'

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const base64 = (text: string): string => Buffer.from(text).toString('base64')

describe('decodeAuthorizationToken', () => {
  it.each([
    ['AWS:secret-password', 'AWS', 'secret-password'],
    ['AWS:pass:with:colons', 'AWS', 'pass:with:colons'],
    ['AWS:eyJwYXlsb2FkIjoiYWJjIn0=', 'AWS', 'eyJwYXlsb2FkIjoiYWJjIn0='],
    ['user@example:p', 'user@example', 'p']
  ])('splits base64 of %j into user %j and password %j', (text, username, password) => {
    expect(decodeAuthorizationToken(base64(text), HOST)).toEqual({ username, password })
  })

  it.each([
    ['not base64 at all!', 'not base64'],
    ['', 'empty'],
    [base64('AWSpassword'), 'no colon'],
    [base64(':password'), 'no user name'],
    [base64('AWS:'), 'no password'],
    [`${base64('AWS:secret')}\n`, 'a trailing newline']
  ])('refuses %j (%s) without quoting the token', token => {
    let caught: unknown
    try {
      decodeAuthorizationToken(token, HOST)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ActionError)
    const { message } = caught as ActionError
    expect(message).toBe(`ECR sent an authorization token for ${HOST} that is not base64 of user:password.`)
    if (token.trim()) expect(message).not.toContain(token.trim())
    expect(message).not.toContain('password:')
  })
})
