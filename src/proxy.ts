// One proxy configuration for every request the step makes (OIDC, STS, ECR) and for `docker`.
// Node's built-in proxy support (`proxyEnv` on an Agent, Node >= 24.5) does the tunnelling.

import * as http from 'node:http'
import * as https from 'node:https'

export interface ProxyConfig {
  /** The proxy for HTTPS requests, or undefined for none. */
  url?: string
  /** Where `url` came from, for the log: the input or a variable name. */
  source?: string
  /** Hosts that bypass the proxy, as NO_PROXY spells them. */
  noProxy?: string
}

type Env = Record<string, string | undefined>

const CHECK_PROXY_CREDENTIALS = 'check the user name and password in http-proxy or HTTPS_PROXY'

export const PROXY_REFUSED_HELP = `the proxy refused the request (HTTP 407 Proxy Authentication Required): ${CHECK_PROXY_CREDENTIALS}`

/** For an answer that may be a proxy's refusal in disguise (some proxies answer 401). */
export const MAYBE_PROXY_REFUSED_HELP = `if a proxy is in the way, the proxy refused the request: ${CHECK_PROXY_CREDENTIALS}`

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
  return { url: /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`, source, noProxy }
}

/** The proxy URL's password, as written and decoded, which must be masked before anything prints. */
export function proxySecrets(proxy: ProxyConfig): string[] {
  if (!proxy.url) return []
  let password: string
  try {
    password = new URL(proxy.url).password
  } catch {
    return []
  }
  if (!password) return []
  let decoded = password
  try {
    decoded = decodeURIComponent(password)
  } catch {
    // A stray `%` that is no escape: the password is as written.
  }
  return [...new Set([password, decoded])]
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
