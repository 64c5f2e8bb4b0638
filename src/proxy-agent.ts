// The proxy on the Node 24 releases whose Agent has no `proxyEnv` (before 24.5; 24.4.0, the oldest
// a runner ships, ignores the option and sends every request around the proxy). HTTPS: a CONNECT to
// the proxy (Proxy-Authorization from its URL's user info), then TLS to the host over that tunnel.
// HTTP: the request itself to the proxy, aimed at the absolute URL. NO_PROXY as curl reads it. No
// error quotes the proxy URL, which may hold a password; a refused tunnel is worded as Node's own.
// Not https-proxy-agent/http-proxy-agent: Node does this itself from 24.5, so this goes once the
// oldest runner's Node has it; these lines against three more dependencies in the bundle.

import * as http from 'node:http'
import * as https from 'node:https'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import * as tls from 'node:tls'

/** Whether Node's Agent honours `proxyEnv`: from Node 24.5. */
export function agentHasProxyEnv(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major > 24 || (major === 24 && minor >= 5)
}

/** `host` and `port` of NO_PROXY's entry: `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
function hostAndPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return [bracketed[1], bracketed[2]]
  const [host, port, ...more] = entry.split(':')
  return more.length > 0 ? [entry, undefined] : [host, port]
}

/**
 * Whether NO_PROXY exempts `host:port`, as curl reads it: `*` for every host; else entries split by
 * commas or blanks, each a host name or address and its subdomains (a leading `.` or `*.` changes
 * nothing), with an optional port.
 */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  const name = host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
  return (noProxy ?? '').split(/[\s,]+/).some(raw => {
    if (raw === '*') return true
    const [entry, entryPort] = hostAndPort(raw.toLowerCase())
    const domain = entry.replace(/^\*?\./, '').replace(/\.$/, '')
    if (!domain || (entryPort !== undefined && Number(entryPort) !== port)) return false
    return name === domain || name.endsWith(`.${domain}`)
  })
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** `text` percent-decoded; as written when it holds a stray `%`. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

interface Proxy {
  url: URL
  /** The proxy's host name or address, without an IPv6 address's brackets. */
  host: string
  port: number
  /** The Proxy-Authorization header, from the URL's user info. */
  authorization?: string
  noProxy?: string
  connectTimeoutMs: number
  /** TLS settings for an https:// proxy's own certificate (its CA): the default trust else. */
  tls: tls.ConnectionOptions
}

function proxyOf(
  url: string,
  noProxy: string | undefined,
  connectTimeoutMs: number,
  proxyTls: tls.ConnectionOptions
): Proxy {
  const parsed = new URL(url)
  const credentials = `${decoded(parsed.username)}:${decoded(parsed.password)}`
  return {
    url: parsed,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80),
    authorization: parsed.username ? `Basic ${Buffer.from(credentials).toString('base64')}` : undefined,
    noProxy,
    connectTimeoutMs,
    tls: proxyTls
  }
}

/** A refused tunnel, worded as Node's own proxy support words it (network.ts describes it). */
function tunnelRefused(target: string, response: http.IncomingMessage): Error {
  const status = `HTTP/${response.httpVersion} ${response.statusCode} ${response.statusMessage ?? ''}`.trim()
  return Object.assign(new Error(`Failed to establish tunnel to ${target} via the proxy: ${status}`), {
    code: 'ERR_PROXY_TUNNEL',
    statusCode: response.statusCode
  })
}

/** A socket to `host:port` through the proxy's CONNECT. */
function openTunnel(proxy: Proxy, host: string, port: number): Promise<Duplex> {
  const target = hostPort(host, port)
  return new Promise((resolve, reject) => {
    const request = (proxy.url.protocol === 'https:' ? https : http).request({
      ...proxy.tls,
      host: proxy.host,
      port: proxy.port,
      method: 'CONNECT',
      path: target,
      agent: false,
      timeout: proxy.connectTimeoutMs,
      headers: { Host: target, ...(proxy.authorization ? { 'Proxy-Authorization': proxy.authorization } : {}) }
    })
    request.once('connect', (response: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) {
        if (head.length > 0) socket.unshift(head)
        resolve(socket)
      } else {
        socket.destroy()
        reject(tunnelRefused(target, response))
      }
    })
    // Some Node releases hand a refusal with a body to 'response' instead.
    request.once('response', (response: http.IncomingMessage) => {
      response.resume()
      reject(tunnelRefused(target, response))
    })
    request.once('timeout', () => {
      const seconds = proxy.connectTimeoutMs / 1000
      const error = new Error(`the proxy opened no tunnel to ${target} within ${seconds} s`)
      request.destroy(Object.assign(error, { code: 'ETIMEDOUT' }))
    })
    request.once('error', reject)
    request.end()
  })
}

type Callback = (error: Error | null, socket: Duplex) => void

/** HTTPS through the proxy's tunnels; keep-alive pools them per host, as for direct connections. */
class TunnellingAgent extends https.Agent {
  constructor(
    private readonly proxy: Proxy,
    options: https.AgentOptions
  ) {
    super(options)
  }

  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    const host = options.host ?? 'localhost'
    const port = Number(options.port ?? 443)
    if (bypassesProxy(host, port, this.proxy.noProxy)) return super.createConnection(options, callback)
    openTunnel(this.proxy, host, port)
      .then(socket => super.createConnection({ ...options, socket } as https.RequestOptions)!)
      .then(
        tlsSocket => callback?.(null, tlsSocket),
        (error: Error) => callback?.(error, undefined as unknown as Duplex)
      )
    return undefined
  }
}

type AddRequest = (this: http.Agent, request: http.ClientRequest, options: http.RequestOptions) => void
// What every http.Agent does with a request (not in @types/node): where it can still be re-aimed.
const addRequest = (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest

/**
 * HTTP through the proxy: each request to the proxy, for the absolute URL. (A request whose head
 * is written before an agent sees it, one with an Expect header, is not re-aimed: none of the
 * step's are.)
 */
class ForwardingAgent extends http.Agent {
  constructor(
    private readonly proxy: Proxy,
    options: http.AgentOptions
  ) {
    super(options)
  }

  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    const host = options.host ?? 'localhost'
    const port = Number(options.port ?? 80)
    if (bypassesProxy(host, port, this.proxy.noProxy)) return addRequest.call(this, request, options)
    request.path = `http://${hostPort(host, port)}${request.path}`
    if (this.proxy.authorization) request.setHeader('Proxy-Authorization', this.proxy.authorization)
    const { host: proxyHost, port: proxyPort } = this.proxy
    const viaTls = this.proxy.url.protocol === 'https:'
    addRequest.call(this, request, { ...options, host: proxyHost, hostname: proxyHost, port: proxyPort, viaTls })
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    if (!(options as { viaTls?: boolean }).viaTls) return super.createConnection(options, callback)
    const host = options.host ?? ''
    const servername = isIP(host) ? undefined : host
    return tls.connect({ ...options, ...this.proxy.tls, servername } as tls.ConnectionOptions)
  }
}

/**
 * Keep-alive agents that send every request through the proxy at `url`, but NO_PROXY's hosts.
 * `proxyTls`: how to trust an https:// proxy's certificate, when not by the default CAs.
 */
export function tunnellingAgents(
  url: string,
  noProxy: string | undefined,
  connectTimeoutMs: number,
  proxyTls: tls.ConnectionOptions = {}
): { http: http.Agent; https: https.Agent } {
  const proxy = proxyOf(url, noProxy, connectTimeoutMs, proxyTls)
  return {
    http: new ForwardingAgent(proxy, { keepAlive: true }),
    https: new TunnellingAgent(proxy, { keepAlive: true })
  }
}
