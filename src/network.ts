// The network every request of the step goes through: the keep-alive agents and their timeouts,
// and the proxy, once: where it comes from (the http-proxy input or the environment), the
// variables that send `docker` through it, what of it is secret, and what to tell a user whose
// proxy refused a request.

import * as http from 'node:http'
import * as https from 'node:https'
import * as core from '@actions/core'
import { ActionError, InputError, TransientError } from './errors.js'
import { findControlCharacter, logText } from './log-text.js'
import { agentHasProxyEnv, tunnellingAgents } from './proxy-agent.js'

// An API answer takes well under a second; one that takes longer than this is a stall to retry.
export const CONNECT_TIMEOUT_MS = 5000
export const REQUEST_TIMEOUT_MS = 8000

export interface ProxyConfig {
  /** The proxy for HTTPS requests, or undefined for none. */
  url?: string
  /** Where `url` came from, for the log: the input or a variable name. */
  source?: string
  /** Hosts that bypass the proxy, as NO_PROXY spells them. */
  noProxy?: string
}

// Lower-case names win over upper-case, as in curl and Node; HTTP_PROXY also serves HTTPS when no
// HTTPS proxy is set (as amazon-ecr-login).
const HTTPS_PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const
const NO_PROXY_VARIABLES = ['no_proxy', 'NO_PROXY'] as const
// Every variable a proxy may come from: the step reads the ones above, docker and the SDK these too.
const PROXY_VARIABLES = [...HTTPS_PROXY_VARIABLES, 'all_proxy', 'ALL_PROXY'] as const

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return [name, value]
  }
  return undefined
}

/** The `http-proxy` input, else the environment; throws InputError for a URL Node would refuse. */
export function resolveProxy(httpProxyInput: string | undefined, env: NodeJS.ProcessEnv): ProxyConfig {
  const noProxy = firstSet(env, NO_PROXY_VARIABLES)?.[1]
  const chosen = httpProxyInput ? ['http-proxy', httpProxyInput] : firstSet(env, HTTPS_PROXY_VARIABLES)
  if (!chosen) return { noProxy }
  const [source, url] = chosen
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`
  checkProxyUrl(withScheme, source)
  return { url: withScheme, source, noProxy }
}

/**
 * Refuses a proxy URL that Node would refuse later, in words that never quote its user info
 * (some Node 24 releases print the whole URL, password included, in their own error).
 */
function checkProxyUrl(url: string, source: string): void {
  let problem: string | undefined
  const control = findControlCharacter(url)
  try {
    const parsed = new URL(url)
    const written = proxyUserInfo(url)
    const read = parsed.password ? `${parsed.username}:${parsed.password}` : parsed.username
    // The URL parser drops tabs and line breaks, which docker, given the same value, would not.
    if (control) problem = `it holds a control character (${control.written})`
    else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problem = `its scheme is not http or https`
    // Else a password with a stray `/`, `#` or `?` would be sent as part of a path, and logged.
    else if (written !== undefined && percentDecoded(written) !== percentDecoded(read)) {
      problem = 'its user name and password cannot be read as written (percent-encode @ : / # ? in them)'
    }
  } catch {
    problem = 'it cannot be parsed (check the port and any special characters, which must be percent-encoded)'
  }
  if (problem) {
    throw new InputError(
      `${source}: '${logText(hideUserInfo(url))}' is not a proxy URL: ${problem}. ` +
        `Use http://host:port or http://user:password@host:port.`
    )
  }
}

/**
 * The proxy URL for the log: its scheme and host, with `***` for any user info. A user name is no
 * less secret than a password: a token is often given as the user name alone.
 */
export function redactProxyUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const userInfo = parsed.username || parsed.password ? '***@' : ''
    return logText(`${parsed.protocol}//${userInfo}${parsed.host}`)
  } catch {
    return '(unparseable proxy URL)'
  }
}

/** Variables that point a child process (`docker`) at the same proxy. */
export function proxyEnvironment(proxy: ProxyConfig): Record<string, string> {
  const vars: Record<string, string> = {}
  if (proxy.url) for (const name of HTTPS_PROXY_VARIABLES) vars[name] = proxy.url
  if (proxy.noProxy) for (const name of NO_PROXY_VARIABLES) vars[name] = proxy.noProxy
  return vars
}

export interface Agents {
  http: http.Agent
  https: https.Agent
}

/**
 * Keep-alive agents that honour the proxy; one pair is shared by every client in the step. Node's
 * own proxy support (`proxyEnv` on an Agent) tunnels from Node 24.5; before, the step's own does.
 */
export function createAgents(proxy: ProxyConfig, nodeHasProxyEnv = agentHasProxyEnv()): Agents {
  if (proxy.url && !nodeHasProxyEnv) return tunnellingAgents(proxy.url, proxy.noProxy, CONNECT_TIMEOUT_MS)
  const proxyEnv = proxy.url
    ? { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: proxy.noProxy ?? '' }
    : undefined
  // `proxyEnv` is new in Node 24.5 and not yet in @types/node 20.
  const options = { keepAlive: true, proxyEnv } as http.AgentOptions
  return { http: new http.Agent(options), https: new https.Agent(options) }
}

const SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/+/i

/**
 * Where a proxy value may hold user info, parseable or not: everything between the scheme and the
 * last `@` (a stray `@`, `/` or `:` in a password must not shorten it).
 */
function proxyUserInfo(value: string): string | undefined {
  const rest = value.replace(SCHEME, '')
  const at = rest.lastIndexOf('@')
  return at > 0 ? rest.slice(0, at) : undefined
}

/** The value with its user info replaced by `***`, for messages about a value that cannot be parsed. */
function hideUserInfo(value: string): string {
  const userInfo = proxyUserInfo(value)
  return userInfo === undefined ? value : value.replace(userInfo, '***')
}

/** `text` percent-decoded; as written when it holds a stray `%`. */
function percentDecoded(text: string): string {
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
    // After the first colon; all of it when there is none (a token as the user name alone).
    const password = userInfo.slice(userInfo.indexOf(':') + 1)
    // Whole (a multi-line annotation is masked whole), each line, and as the URL parser reads it.
    for (const part of [userInfo, password]) {
      found.push(part, ...part.split(/[\r\n\t]/), part.replace(/[\r\n\t]/g, ''))
    }
  }
  try {
    const url = new URL(value.trim())
    // A user name alone is a token: masked as the parser reads it (it percent-encodes `=`, among others).
    found.push(url.password, url.password ? `${url.username}:${url.password}` : url.username)
  } catch {
    // Not a URL: what was found above is all there is.
  }
  const all = found.flatMap(text => [text, percentDecoded(text)]).filter(text => text.trim() !== '')
  return [...new Set(all)].sort((a, b) => b.length - a.length)
}

/** Masks the user info of the http-proxy input and of every proxy variable, before anything runs. */
export function maskProxyCredentials(httpProxyInput: string | undefined, env: NodeJS.ProcessEnv): void {
  const values = [httpProxyInput, ...PROXY_VARIABLES.map(name => env[name])]
  for (const value of values) {
    if (value) for (const secret of proxyValueSecrets(value)) core.setSecret(secret)
  }
}

const CHECK_PROXY_CREDENTIALS = 'check the user name and password in http-proxy or HTTPS_PROXY'

export const PROXY_REFUSED_HELP = `the proxy refused the request (HTTP 407 Proxy Authentication Required): ${CHECK_PROXY_CREDENTIALS}`

/** For an answer that may be a proxy's refusal in disguise (some proxies answer 401). */
export const MAYBE_PROXY_REFUSED_HELP = `if a proxy is in the way, the proxy refused the request: ${CHECK_PROXY_CREDENTIALS}`

// Node's proxy agent when the proxy answers CONNECT with an error. Its text also quotes the proxy
// URL, which is never repeated: only the target and the status are.
const TUNNEL_REFUSED = /Failed to establish tunnel to (\S+?) via .*?HTTP\/\d(?:\.\d)? (\d{3})/

/** What to tell a user whose proxy refused the tunnel, from Node's message; undefined for other errors. */
export function describeTunnelRefusal(message: string): string | undefined {
  const refused = TUNNEL_REFUSED.exec(message)
  if (!refused) return undefined
  const [, target, status] = refused
  if (status === '407') return PROXY_REFUSED_HELP
  const fix =
    status === '401'
      ? CHECK_PROXY_CREDENTIALS
      : `check that the proxy lets this runner reach ${target}, or list the host in NO_PROXY`
  return logText(`the proxy refused the tunnel to ${target} (HTTP ${status}): ${fix}`)
}

export interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * One GET through the step's agents (and so its proxy), cut at REQUEST_TIMEOUT_MS as a stall worth
 * another try. A proxy that refuses the tunnel becomes an ActionError that says so, for `what`.
 */
export function httpGet(
  url: URL,
  headers: Record<string, string>,
  agents: Agents,
  signal: AbortSignal,
  what: string
): Promise<HttpAnswer> {
  const transport = url.protocol === 'http:' ? http : https
  const agent = url.protocol === 'http:' ? agents.http : agents.https
  return new Promise((resolve, reject) => {
    const request = transport.get(url, { headers, agent, signal, timeout: REQUEST_TIMEOUT_MS }, response => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new TransientError(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)))
    request.on('error', error => {
      const refused = describeTunnelRefusal(error.message)
      reject(refused ? new ActionError(`${what} failed: ${refused}.`, { cause: error }) : error)
    })
  })
}
