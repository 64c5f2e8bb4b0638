import { describe, expect, it } from 'vitest'
import { ActionError, InputError, messageOf } from '../src/errors.js'

describe('ActionError and InputError', () => {
  it('keeps the message and the cause', () => {
    const cause = new Error('socket hang up')
    const error = new ActionError('ECR GetAuthorizationToken failed', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ActionError')
    expect(error.message).toBe('ECR GetAuthorizationToken failed')
    expect(error.cause).toBe(cause)
  })

  it('makes an InputError an ActionError', () => {
    const error = new InputError("logout: 'no' is not a boolean. Use true or false.")
    expect(error).toBeInstanceOf(ActionError)
    expect(error.name).toBe('InputError')
  })
})

describe('messageOf', () => {
  it.each([
    [new Error('boom'), 'boom'],
    [new ActionError('fix the input'), 'fix the input'],
    ['a string', 'a string'],
    [42, '42'],
    [undefined, 'undefined']
  ])('gives the message of %j', (thrown, message) => {
    expect(messageOf(thrown)).toBe(message)
  })
})
