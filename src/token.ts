// ECR's authorization token: base64 of `user:password`. Pure, so it has its own tests.

import { ActionError } from './errors.js'

export interface DockerCredentials {
  username: string
  password: string
}

/** Decodes a token. The error never quotes the token, which is a secret. */
export function decodeAuthorizationToken(token: string, host: string): DockerCredentials {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(token) ? Buffer.from(token, 'base64').toString('utf8') : ''
  const colon = decoded.indexOf(':')
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new ActionError(`ECR sent an authorization token for ${host} that is not base64 of user:password.`)
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
