// src/proxy-agent.ts against a real local proxy: the tunnels and forwarded requests a Node without
// Agent `proxyEnv` (24.4.0) needs. Runs on every Node, the newest included: the agents are the
// step's own, whatever Node has. Under Node 24.4.0 too:
//   npx -y node@24.4.0 node_modules/vitest/vitest.mjs run __tests__/proxy-agent.test.ts
import { createServer, type Server } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { describeTunnelRefusal, PROXY_REFUSED_HELP } from '../src/network.js'
import { agentHasProxyEnv, bypassesProxy, tunnellingAgents } from '../src/proxy-agent.js'
import { isTransient } from '../src/retry.js'
import { get, startProxy, startServer, TEST_CERT, type TestProxy, type TestServer } from './fixtures/proxy.js'

const PASSWORD = 'p@ss:w/rd'
let proxy: TestProxy
let secure: TestServer
let plain: TestServer
let agents: ReturnType<typeof tunnellingAgents> | undefined

function withUser(url: string): string {
  return url.replace('://', `://ci-user:${encodeURIComponent(PASSWORD)}@`)
}

const BASIC = `Basic ${Buffer.from(`ci-user:${PASSWORD}`).toString('base64')}`

beforeAll(async () => {
  ;[proxy, secure, plain] = await Promise.all([startProxy(), startServer(), startServer({ tls: false })])
})
afterAll(async () => {
  await Promise.all([proxy.close(), secure.close(), plain.close()])
})
beforeEach(() => {
  proxy.requests.length = 0
  proxy.refuseWith(undefined)
})
afterEach(() => {
  agents?.http.destroy()
  agents?.https.destroy()
  agents = undefined
})

describe('agentHasProxyEnv', () => {
  it.each([
    ['24.4.0', false],
    ['24.4.1', false],
    ['24.5.0', true],
    ['24.21.0', true],
    ['25.0.0', true],
    ['22.22.0', false]
  ])('Node %s: %s', (version, has) => {
    expect(agentHasProxyEnv(version)).toBe(has)
  })
})

describe('bypassesProxy', () => {
  it.each([
    ['api.ecr.eu-west-1.amazonaws.com', 443, 'amazonaws.com', true],
    ['api.ecr.eu-west-1.amazonaws.com', 443, '.amazonaws.com', true],
    ['api.ecr.eu-west-1.amazonaws.com', 443, '*.amazonaws.com', true],
    ['amazonaws.com', 443, '.amazonaws.com', true],
    ['notamazonaws.com', 443, 'amazonaws.com', false],
    ['sts.amazonaws.com', 443, 'sts.amazonaws.com:443', true],
    ['sts.amazonaws.com', 443, 'sts.amazonaws.com:8443', false],
    ['STS.Amazonaws.com.', 443, 'sts.amazonaws.com', true],
    ['127.0.0.1', 8080, 'localhost, 127.0.0.1', true],
    ['::1', 443, '::1', true],
    ['::1', 443, '[::1]:443', true],
    ['::1', 443, '[::1]:80', false],
    ['anything.example', 443, '*', true],
    ['anything.example', 443, '', false],
    ['anything.example', 443, undefined, false]
  ])('%s:%i with NO_PROXY %j: %s', (host, port, noProxy, bypassed) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(bypassed)
  })
})

describe('tunnellingAgents', () => {
  it('tunnels HTTPS through CONNECT, sending the URL’s user info, one tunnel for requests in a row', async () => {
    agents = tunnellingAgents(withUser(proxy.url), undefined, 5000)
    const first = await get(`${secure.url}/v2/`, agents.https)
    const second = await get(`${secure.url}/v2/again`, agents.https)
    expect([first, second]).toEqual([
      { status: 200, body: 'GET /v2/' },
      { status: 200, body: 'GET /v2/again' }
    ])
    const target = new URL(secure.url).host
    expect(proxy.requests).toEqual([{ request: `CONNECT ${target}`, authorization: BASIC }])
  })

  it('sends HTTP to the proxy for the absolute URL, with the user info', async () => {
    agents = tunnellingAgents(withUser(proxy.url), undefined, 5000)
    expect(await get(`${plain.url}/token?audience=sts`, agents.http)).toEqual({
      status: 200,
      body: 'GET /token?audience=sts'
    })
    expect(proxy.requests).toEqual([{ request: `GET ${plain.url}/token?audience=sts`, authorization: BASIC }])
  })

  it('sends no user info for a proxy URL without one', async () => {
    agents = tunnellingAgents(proxy.url, undefined, 5000)
    await get(`${secure.url}/`, agents.https)
    await get(`${plain.url}/`, agents.http)
    expect(proxy.requests.map(request => request.authorization)).toEqual([undefined, undefined])
  })

  it('sends the hosts in NO_PROXY direct', async () => {
    agents = tunnellingAgents(proxy.url, 'example.internal,127.0.0.1', 5000)
    const before = [secure.answered(), plain.answered()]
    expect((await get(`${secure.url}/direct`, agents.https)).body).toBe('GET /direct')
    expect((await get(`${plain.url}/direct`, agents.http)).body).toBe('GET /direct')
    expect([secure.answered(), plain.answered()]).toEqual([before[0] + 1, before[1] + 1])
    expect(proxy.requests).toEqual([])
  })

  it.each([
    [407, PROXY_REFUSED_HELP],
    [403, 'the proxy refused the tunnel to 127.0.0.1:'],
    [401, 'check the user name and password in http-proxy or HTTPS_PROXY']
  ])(
    'fails a refused tunnel (HTTP %i) in words the step explains, never quoting the proxy URL',
    async (status, help) => {
      agents = tunnellingAgents(withUser(proxy.url), undefined, 5000)
      proxy.refuseWith(status)
      const error = (await get(`${secure.url}/`, agents.https).catch((caught: unknown) => caught)) as Error
      expect(error).toMatchObject({ code: 'ERR_PROXY_TUNNEL', statusCode: status })
      expect(describeTunnelRefusal(error.message)).toContain(help)
      expect(error.message).not.toContain(new URL(proxy.url).port)
      expect(error.message).not.toContain('ci-user')
      expect(error.message).not.toContain(encodeURIComponent(PASSWORD))
      expect(isTransient(error)).toBe(false)
    }
  )

  it('gives up a proxy that opens no tunnel in time, as a hiccup to retry', async () => {
    // Reads what it is sent (so it sees the client give up and close) and never answers.
    const silent: Server = createServer(socket => socket.resume())
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as { port: number }).port
      agents = tunnellingAgents(`http://ci-user:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, undefined, 100)
      const started = Date.now()
      const error = (await get(`${secure.url}/`, agents.https).catch((caught: unknown) => caught)) as Error
      expect(Date.now() - started).toBeLessThan(2000)
      expect(error.message).toBe(`the proxy opened no tunnel to ${new URL(secure.url).host} within 0.1 s`)
      expect(isTransient(error)).toBe(true)
    } finally {
      await new Promise(resolve => silent.close(resolve))
    }
  })

  it('reaches an https:// proxy over TLS, for tunnels and for plain requests', async () => {
    const tlsProxy = await startProxy({ tls: true })
    try {
      agents = tunnellingAgents(withUser(tlsProxy.url), undefined, 5000, { ca: TEST_CERT })
      expect((await get(`${secure.url}/in-tls`, agents.https)).body).toBe('GET /in-tls')
      expect((await get(`${plain.url}/plain`, agents.http)).body).toBe('GET /plain')
      expect(tlsProxy.requests).toEqual([
        { request: `CONNECT ${new URL(secure.url).host}`, authorization: BASIC },
        { request: `GET ${plain.url}/plain`, authorization: BASIC }
      ])
    } finally {
      await tlsProxy.close()
    }
  })
})
