// The step's own check of a login with the registry, against a real HTTPS server on loopback that
// answers as a registry (or its token service) would: what is sent, and what each answer becomes.

import type { IncomingHttpHeaders } from 'node:http'
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ActionError, ThrottlingError, TransientError } from '../src/errors.js'
import type { Agents } from '../src/network.js'
import { preconnect } from '../src/preconnect.js'
import { checkLogin } from '../src/registry-check.js'
import { type LoopbackCertificate, loopbackCertificate } from './fixtures/tls.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const USER = 'AWS'
const PASSWORD = 'pa55word-from-ecr'
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`

interface Seen {
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
}

interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Never answers: a stalled registry. */
  stall?: boolean
}

let tls: LoopbackCertificate
beforeAll(() => {
  tls = loopbackCertificate()
})

const servers: https.Server[] = []
const agentsMade: Agents[] = []
afterEach(async () => {
  for (const agents of agentsMade.splice(0)) {
    agents.https.destroy()
    agents.http.destroy()
  }
  await Promise.all(
    servers.splice(0).map(
      server =>
        new Promise(resolve => {
          server.closeAllConnections()
          server.close(resolve)
        })
    )
  )
})

/** A registry on 127.0.0.1 answering each request as `answer` says; records requests and connections. */
async function registry(answer: (seen: Seen) => Answer) {
  const seen: Seen[] = []
  const connections = { count: 0 }
  const server = https.createServer(tls, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1')
    const entry = { path: url.pathname, query: url.searchParams, headers: request.headers }
    seen.push(entry)
    const { status, headers, body, stall } = answer(entry)
    if (stall) return
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers })
    response.end(body ?? '')
  })
  server.on('secureConnection', () => connections.count++)
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return { host, seen, connections }
}

function agents(trust = true): Agents {
  const made = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true, ...(trust ? { ca: tls.cert } : {}) })
  }
  agentsMade.push(made)
  return made
}

const check = (host: string, through: Agents = agents(), signal = new AbortController().signal) =>
  checkLogin({ host, username: USER, password: PASSWORD }, through, signal)

/** The error checkLogin throws, with the password nowhere in its message. */
async function failure(promise: Promise<void>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown
  )
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).not.toContain(PASSWORD)
  expect((error as Error).message).not.toContain(BASIC.slice('Basic '.length))
  return error as Error
}

describe('checkLogin', () => {
  it('asks GET /v2/ with the credentials as Basic auth, and a 200 is a yes', async () => {
    const peer = await registry(() => ({ status: 200, body: '{}' }))
    await check(peer.host)
    expect(peer.seen).toHaveLength(1)
    expect(peer.seen[0].path).toBe('/v2/')
    expect(peer.seen[0].headers.authorization).toBe(BASIC)
    expect(peer.seen[0].headers['user-agent']).toBe('ecr-login')
  })

  it('goes over the connection opened ahead for the host: one connection in all', async () => {
    const peer = await registry(() => ({ status: 200 }))
    const through = agents()
    const [address, port] = peer.host.split(':')
    const preconnected = preconnect(
      through.https,
      [{ host: address, port: Number(port) }],
      new AbortController().signal
    )
    await preconnected.underway
    await vi.waitFor(() => expect(peer.connections.count).toBe(1))
    await check(peer.host, through)
    expect(peer.connections.count).toBe(1)
    preconnected.close()
  })

  it.each([401, 403])(
    'a %i is a refusal that names the host and what the registry said, never the password',
    async status => {
      const peer = await registry(() => ({
        status,
        headers: {
          'WWW-Authenticate':
            'Basic realm="https://example.dkr.ecr.eu-west-1.amazonaws.com/",service="ecr.amazonaws.com"'
        },
        body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'Your authorization token has expired.' }] })
      }))
      const error = await failure(check(peer.host))
      expect(error).toBeInstanceOf(ActionError)
      expect(error.message).toContain(
        `${peer.host} refused the login (GET /v2/ answered HTTP ${status}: DENIED: Your authorization token has expired.)`
      )
      expect(error.message).toContain(`check that ${peer.host} is the registry you mean`)
      // A refusal is final: one request, no retry here.
      expect(peer.seen).toHaveLength(1)
    }
  )

  it('a registry whose words are not JSON is refused all the same, without them', async () => {
    const peer = await registry(() => ({ status: 401, body: '<html>nope</html>' }))
    const error = await failure(check(peer.host))
    expect(error.message).toContain(`${peer.host} refused the login (GET /v2/ answered HTTP 401)`)
  })

  it.each([500, 502, 503, 504, 408])('an HTTP %i is a hiccup worth another try', async status => {
    const peer = await registry(() => ({ status }))
    const error = await failure(check(peer.host))
    expect(error).toBeInstanceOf(TransientError)
    expect(error).not.toBeInstanceOf(ThrottlingError)
    expect(error.message).toBe(`GET /v2/ answered HTTP ${status}`)
  })

  it('a 429 is throttling, with the wait its Retry-After asks for', async () => {
    const peer = await registry(() => ({ status: 429, headers: { 'Retry-After': '3' } }))
    const error = await failure(check(peer.host))
    expect(error).toBeInstanceOf(ThrottlingError)
    expect((error as ThrottlingError).retryAfterMs).toBeGreaterThan(2000)
    expect((error as ThrottlingError).retryAfterMs).toBeLessThanOrEqual(3000)
  })

  it('a 407 says the proxy refused, and how to fix it', async () => {
    const peer = await registry(() => ({ status: 407 }))
    const error = await failure(check(peer.host))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain(`Logging in to ${peer.host} failed: the proxy refused the request (HTTP 407`)
    expect(error.message).toContain('http-proxy or HTTPS_PROXY')
  })

  it('anything else is no registry: the status and content type, and what to check', async () => {
    const peer = await registry(() => ({ status: 404, headers: { 'Content-Type': 'text/html' }, body: '<h1>404</h1>' }))
    const error = await failure(check(peer.host))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain(
      `${peer.host} does not answer as a container registry: GET /v2/ answered HTTP 404 (text/html). Check the host in 'registries'`
    )
  })

  describe('a registry that answers with a token service (Bearer), as ECR Public does', () => {
    const bearer = (host: string, scheme = 'https') => ({
      'WWW-Authenticate': `Bearer realm="${scheme}://${host}/token/",service="public.ecr.aws",scope="aws"`
    })

    it('asks the token service with the credentials, as docker does; its 200 is a yes', async () => {
      let host = ''
      const peer = await registry(seen =>
        seen.path === '/token/' ? { status: 200, body: '{"token":"t"}' } : { status: 401, headers: bearer(host) }
      )
      host = peer.host
      await check(peer.host)
      expect(peer.seen.map(seen => seen.path)).toEqual(['/v2/', '/token/'])
      const token = peer.seen[1]
      expect(token.headers.authorization).toBe(BASIC)
      expect(Object.fromEntries(token.query)).toEqual({ service: 'public.ecr.aws', scope: 'aws', account: USER })
    })

    it('a token service that refuses is a refusal naming it', async () => {
      let host = ''
      const peer = await registry(seen =>
        seen.path === '/token/'
          ? { status: 401, body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad token' }] }) }
          : { status: 401, headers: bearer(host) }
      )
      host = peer.host
      const error = await failure(check(peer.host))
      expect(error.message).toContain(
        `${peer.host} refused the login (its token service ${peer.host} answered HTTP 401: UNAUTHORIZED: bad token)`
      )
    })

    it('never sends the credentials to a token service over plain http: the 401 stands', async () => {
      let host = ''
      const peer = await registry(() => ({ status: 401, headers: bearer(host, 'http') }))
      host = peer.host
      const error = await failure(check(peer.host))
      expect(error.message).toContain(`${peer.host} refused the login (GET /v2/ answered HTTP 401)`)
      expect(peer.seen).toHaveLength(1)
    })
  })

  it('a registry nobody answers at is a hiccup worth another try', async () => {
    const peer = await registry(() => ({ status: 200 }))
    await new Promise(resolve => servers.splice(0)[0].close(resolve))
    const error = await failure(check(peer.host))
    expect(error).toBeInstanceOf(TransientError)
    expect(error.message).toMatch(/ECONNREFUSED/)
    expect(error.message).not.toContain(peer.host.split(':')[1] + ':')
  })

  it('a certificate the runner does not trust is no hiccup: it says so and what to check', async () => {
    const peer = await registry(() => ({ status: 200 }))
    const error = await failure(check(peer.host, agents(false)))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toMatch(new RegExp(`^Could not reach the registry ${peer.host}: .*self-signed certificate`))
    expect(peer.seen).toHaveLength(0)
  })

  it('a stalled registry is left at once when the signal aborts: the abort passes through as it is', async () => {
    const peer = await registry(() => ({ status: 200, stall: true }))
    const abort = new AbortController()
    const checking = check(peer.host, agents(), abort.signal)
    await vi.waitFor(() => expect(peer.seen).toHaveLength(1))
    const reason = new Error('the deadline passed')
    abort.abort(reason)
    const error = await failure(checking)
    expect(error).not.toBeInstanceOf(ActionError)
    expect(error).not.toBeInstanceOf(TransientError)
  })
})
