// One proxy configuration for every request the step makes (OIDC, STS, ECR) and for `docker`.
// Node's built-in proxy support (`proxyEnv` on an Agent, Node >= 24.5) does the tunnelling.

import * as http from 'node:http'
import * as https from 'node:https'
import { InputError } from './errors.js'
import { hideUserInfo, percentDecoded, proxyUserInfo } from './secrets.js'
import type { Env } from './types.js'

export interface ProxyConfig {
  /** The proxy for HTTPS requests, or undefined for none. */
  url?: string
  /** Where `url` came from, for the log: the input or a variable name. */
  source?: string
  /** Hosts that bypass the proxy, as NO_PROXY spells them. */
  noProxy?: string
}

function firstSet(env: Env, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return [name, value]
  }
  return undefined
}

/**
 * The `http-proxy` input, else the environment. Lower-case names win over upper-case, as in
 * curl and Node; HTTP_PROXY also serves HTTPS when no HTTPS proxy is set (as amazon-ecr-login).
 */
export function resolveProxy(httpProxyInput: string | undefined, env: Env): ProxyConfig {
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY'])?.[1]
  const fromEnv = firstSet(env, ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'])
  const [source, url] = httpProxyInput ? ['http-proxy', httpProxyInput] : (fromEnv ?? [])
  if (!url) return { noProxy }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`
  checkProxyUrl(withScheme, source!)
  return { url: withScheme, source, noProxy }
}

/**
 * Refuses a proxy URL that Node would refuse later, in words that never quote its user info
 * (some Node 24 releases print the whole URL, password included, in their own error).
 */
function checkProxyUrl(url: string, source: string): void {
  let problem: string | undefined
  try {
    const parsed = new URL(url)
    const written = proxyUserInfo(url)
    const read = parsed.password ? `${parsed.username}:${parsed.password}` : parsed.username
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problem = `its scheme is not http or https`
    else if (!parsed.hostname) problem = 'it names no host'
    // Else a password with a stray `/`, `#` or `?` would be sent as part of a path, and logged.
    else if (written !== undefined && percentDecoded(written) !== percentDecoded(read)) {
      problem = 'its user name and password cannot be read as written (percent-encode @ : / # ? in them)'
    }
  } catch {
    problem = 'it cannot be parsed (check the port and any special characters, which must be percent-encoded)'
  }
  if (problem) {
    throw new InputError(
      `${source}: '${hideUserInfo(url)}' is not a proxy URL: ${problem}. ` +
        `Use http://host:port or http://user:password@host:port.`
    )
  }
}

/** The proxy URL without its password, for the log. */
export function redactProxyUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(unparseable proxy URL)'
  }
}

/** Variables that point a child process (`docker`) at the same proxy. */
export function proxyEnvironment(proxy: ProxyConfig): Record<string, string> {
  const vars: Record<string, string> = {}
  if (proxy.url) {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) vars[name] = proxy.url
  }
  if (proxy.noProxy) {
    vars.NO_PROXY = proxy.noProxy
    vars.no_proxy = proxy.noProxy
  }
  return vars
}

export interface Agents {
  http: http.Agent
  https: https.Agent
}

/** Keep-alive agents that honour the proxy; one pair is shared by every client in the step. */
export function createAgents(proxy: ProxyConfig): Agents {
  const proxyEnv = proxy.url
    ? { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: proxy.noProxy ?? '' }
    : undefined
  // `proxyEnv` is new in Node 24.5 and not yet in @types/node 20.
  const options = { keepAlive: true, proxyEnv } as http.AgentOptions
  return { http: new http.Agent(options), https: new https.Agent(options) }
}
