// What is secret and must be masked (core.setSecret) before anything could print it: the AWS
// credentials, and the user info of every proxy URL the step or docker may use, in any shape.

import * as core from '@actions/core'
import type { AwsCredentials, Env } from './types.js'

/** Masks the secret parts the moment credentials exist. The key ID is not secret. */
export function maskCredentials(credentials: AwsCredentials): void {
  core.setSecret(credentials.secretAccessKey)
  if (credentials.sessionToken) core.setSecret(credentials.sessionToken)
}

/** The variables a proxy may come from: the step reads some of them, docker and the SDK others. */
export const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']

const SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/+/i

/**
 * Where a proxy value may hold user info, parseable or not: everything between the scheme and the
 * last `@` (a stray `@`, `/` or `:` in a password must not shorten it).
 */
export function proxyUserInfo(value: string): string | undefined {
  const rest = value.replace(SCHEME, '')
  const at = rest.lastIndexOf('@')
  return at > 0 ? rest.slice(0, at) : undefined
}

/** The value with its user info replaced by `***`, for messages about a value that cannot be parsed. */
export function hideUserInfo(value: string): string {
  const userInfo = proxyUserInfo(value)
  return userInfo === undefined ? value : value.replace(userInfo, '***')
}

/** `text` percent-decoded; as written when it holds a stray `%`. */
export function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    // A stray `%` that is no escape: the text is as written.
    return text
  }
}

/**
 * The secrets in one proxy value: its user info and password as written, percent-decoded and as
 * the URL parser reads them (it drops tabs and newlines). Non-empty, longest first.
 */
export function proxyValueSecrets(value: string): string[] {
  const found: string[] = []
  const userInfo = proxyUserInfo(value)
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':')
    const password = colon >= 0 ? userInfo.slice(colon + 1) : ''
    found.push(userInfo, password)
    for (const part of [userInfo, password]) found.push(...part.split(/[\r\n\t]+/), part.replace(/[\r\n\t]/g, ''))
  }
  try {
    const url = new URL(value.trim())
    found.push(url.password, url.username && url.password ? `${url.username}:${url.password}` : '')
  } catch {
    // Not a URL: what was found above is all there is.
  }
  const all = found.flatMap(text => [text, percentDecoded(text)]).filter(text => text.trim() !== '')
  return [...new Set(all)].sort((a, b) => b.length - a.length)
}

/** Masks the user info of the http-proxy input and of every proxy variable, before anything runs. */
export function maskProxyCredentials(httpProxyInput: string | undefined, env: Env): void {
  const values = [httpProxyInput, ...PROXY_VARIABLES.map(name => env[name])]
  for (const value of values) {
    if (value) for (const secret of proxyValueSecrets(value)) core.setSecret(secret)
  }
}
