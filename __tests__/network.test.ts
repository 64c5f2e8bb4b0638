import * as http from 'node:http'
import * as https from 'node:https'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { get, startProxy, startServer } from './fixtures/proxy.js'
import { InputError } from '../src/errors.js'
import {
  createAgents,
  describeTunnelRefusal,
  maskProxyCredentials,
  proxyEnvironment,
  proxyValueSecrets,
  redactProxyUrl,
  resolveProxy
} from '../src/network.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

describe('resolveProxy', () => {
  it.each([
    [
      'the input over every variable',
      'http://input:3128',
      { https_proxy: 'http://env:1' },
      'http://input:3128',
      'http-proxy'
    ],
    [
      'https_proxy over HTTPS_PROXY',
      '',
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' },
      'http://lower:1',
      'https_proxy'
    ],
    [
      'HTTPS_PROXY over http_proxy',
      '',
      { HTTPS_PROXY: 'http://https:1', http_proxy: 'http://http:2' },
      'http://https:1',
      'HTTPS_PROXY'
    ],
    [
      'http_proxy over HTTP_PROXY',
      '',
      { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2' },
      'http://lower:1',
      'http_proxy'
    ],
    ['HTTP_PROXY when no HTTPS proxy is set', '', { HTTP_PROXY: 'http://only:3128' }, 'http://only:3128', 'HTTP_PROXY'],
    [
      'a set variable over a blank one',
      '',
      { https_proxy: '  ', HTTPS_PROXY: 'http://upper:2' },
      'http://upper:2',
      'HTTPS_PROXY'
    ],
    ['http:// added to a bare host', 'proxy.internal:3128', {}, 'http://proxy.internal:3128', 'http-proxy'],
    [
      'http:// added to a bare variable',
      '',
      { HTTPS_PROXY: 'user:pw@proxy:8080' },
      'http://user:pw@proxy:8080',
      'HTTPS_PROXY'
    ],
    ['an https:// scheme kept', '', { https_proxy: 'https://proxy:443' }, 'https://proxy:443', 'https_proxy'],
    ['a variable trimmed', '', { HTTPS_PROXY: ' http://proxy:3128 \n' }, 'http://proxy:3128', 'HTTPS_PROXY'],
    [
      'http:// added when the only scheme is further on',
      'proxy.internal:3128/?next=http://x',
      {},
      'http://proxy.internal:3128/?next=http://x',
      'http-proxy'
    ]
  ])('takes %s', (_label, input, env, url, source) => {
    expect(resolveProxy(input || undefined, env)).toEqual({ url, source, noProxy: undefined })
  })

  it('uses no proxy when neither the input nor a variable sets one', () => {
    expect(resolveProxy(undefined, {})).toEqual({ noProxy: undefined })
    expect(resolveProxy('', { HTTPS_PROXY: '' })).toEqual({ noProxy: undefined })
  })

  it.each([
    [{ no_proxy: 'localhost,.internal', NO_PROXY: 'other' }, 'localhost,.internal'],
    [{ NO_PROXY: '169.254.169.254' }, '169.254.169.254'],
    [{ no_proxy: ' ', NO_PROXY: '.corp' }, '.corp']
  ])('keeps the bypass list of %j', (env, noProxy) => {
    expect(resolveProxy(undefined, { HTTPS_PROXY: 'http://p:1', ...env })).toEqual({
      url: 'http://p:1',
      source: 'HTTPS_PROXY',
      noProxy
    })
    expect(resolveProxy(undefined, env)).toEqual({ noProxy })
  })
})

describe('resolveProxy: a URL Node would refuse', () => {
  it.each([
    ['http://ci:s3cret@proxy.internal:99999', 'http-proxy', 'http://***@proxy.internal:99999', 'cannot be parsed'],
    ['http://ci:s3cret@[bad', 'http-proxy', 'http://***@[bad', 'cannot be parsed'],
    ['socks5://ci:s3cret@proxy:1080', 'http-proxy', 'socks5://***@proxy:1080', 'scheme is not http or https']
  ])('refuses %s naming %s, without the password', (url, source, shown, problem) => {
    const error = (() => {
      try {
        resolveProxy(url, {})
      } catch (caught) {
        return caught as Error
      }
      throw new Error('no error')
    })()
    expect(error).toBeInstanceOf(InputError)
    expect(error.message).toContain(`${source}: '${shown}' is not a proxy URL: it`)
    expect(error.message).toContain(problem)
    expect(error.message).not.toContain('s3cret')
  })

  const USE = 'Use http://host:port or http://user:password@host:port.'
  it.each([
    [
      'a path that swallowed part of the user info',
      'http://user:1/x@proxy:3128',
      {},
      "http-proxy: 'http://***@proxy:3128' is not a proxy URL: its user name and password cannot be read as " +
        `written (percent-encode @ : / # ? in them). ${USE}`
    ],
    [
      'a variable with a line break',
      undefined,
      { HTTPS_PROXY: 'http://proxy:3128/\n::stop-commands::pwn' },
      `HTTPS_PROXY: 'http://proxy:3128/\\n::stop-commands::pwn' is not a proxy URL: it holds a control character (\\n). ${USE}`
    ],
    [
      'an empty user info, quoted as written',
      'http://@proxy:99999',
      {},
      "http-proxy: 'http://@proxy:99999' is not a proxy URL: it cannot be parsed (check the port and any special " +
        `characters, which must be percent-encoded). ${USE}`
    ],
    [
      'no user info, quoted as written',
      'http://undefined.proxy:99999',
      {},
      "http-proxy: 'http://undefined.proxy:99999' is not a proxy URL: it cannot be parsed (check the port and any " +
        `special characters, which must be percent-encoded). ${USE}`
    ]
  ])('refuses %s with the whole story', (_label, input, env, message) => {
    expect(() => resolveProxy(input, env)).toThrow(new InputError(message))
  })

  it('names the variable the bad URL came from', () => {
    expect(() => resolveProxy(undefined, { HTTPS_PROXY: 'http://u:pw-xyz@host:70000' })).toThrow(
      "HTTPS_PROXY: 'http://***@host:70000' is not a proxy URL"
    )
  })
})

describe('redactProxyUrl', () => {
  it.each([
    ['http://user:s3cret@proxy:3128', 'http://***@proxy:3128', 's3cret'],
    ['http://user:p%40ss@proxy:3128/', 'http://***@proxy:3128', 'p%40ss'],
    ['https://proxy.internal:8443', 'https://proxy.internal:8443', undefined],
    ['http://proxy.internal', 'http://proxy.internal', undefined],
    ['http://user@proxy:3128', 'http://***@proxy:3128', 'user'],
    ['http://dG9rZW4+c2VjcmV0==@proxy:3128', 'http://***@proxy:3128', 'dG9rZW4'],
    ['http://:only-pw@proxy:3128', 'http://***@proxy:3128', 'only-pw'],
    ['http://[::1]:3128/path?q#frag', 'http://[::1]:3128', undefined],
    ['http://proxy:3128/##[stop-commands]x', 'http://proxy:3128', undefined],
    ['http://user:pw@proxy:99999', '(unparseable proxy URL)', 'pw']
  ])('shows %s as %s', (url, shown, secret) => {
    const redacted = redactProxyUrl(url)
    expect(redacted).toBe(shown)
    if (secret) expect(redacted).not.toContain(secret)
  })

  it('never shows a password, in any of its forms', () => {
    for (const url of ['http://u:hunter2@p:1', 'http://u:hunter2%21@p:1/', 'socks5://u:hunter2@p:1080']) {
      for (const secret of proxyValueSecrets(url)) expect(redactProxyUrl(url)).not.toContain(secret)
    }
  })
})

describe('proxyEnvironment', () => {
  it('points docker at the proxy in both cases of every variable', () => {
    expect(
      proxyEnvironment({ url: 'http://proxy:3128', source: 'http-proxy', noProxy: 'localhost,.internal' })
    ).toEqual({
      HTTPS_PROXY: 'http://proxy:3128',
      https_proxy: 'http://proxy:3128',
      HTTP_PROXY: 'http://proxy:3128',
      http_proxy: 'http://proxy:3128',
      NO_PROXY: 'localhost,.internal',
      no_proxy: 'localhost,.internal'
    })
  })

  it('sets nothing without a proxy, and only the bypass list when that is all there is', () => {
    expect(proxyEnvironment({})).toStrictEqual({})
    expect(proxyEnvironment({ noProxy: '.internal' })).toStrictEqual({ NO_PROXY: '.internal', no_proxy: '.internal' })
    expect(Object.keys(proxyEnvironment({ url: 'http://proxy:3128' })).sort()).toEqual([
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'http_proxy',
      'https_proxy'
    ])
  })
})

// `options` is there at run time but not in @types/node 20.
function optionsOf(agent: http.Agent): http.AgentOptions & { proxyEnv?: unknown } {
  return (agent as http.Agent & { options: http.AgentOptions }).options
}

describe('createAgents', () => {
  it('makes one keep-alive agent per protocol', () => {
    const agents = createAgents({})
    try {
      expect(agents.http).toBeInstanceOf(http.Agent)
      expect(agents.https).toBeInstanceOf(https.Agent)
      expect(optionsOf(agents.http)).toMatchObject({ keepAlive: true, proxyEnv: undefined })
      expect(optionsOf(agents.https)).toMatchObject({ keepAlive: true, proxyEnv: undefined })
    } finally {
      agents.http.destroy()
      agents.https.destroy()
    }
  })

  it('on a Node without Agent proxyEnv, tunnels through the proxy with agents of its own', () => {
    const agents = createAgents({ url: 'http://proxy:3128' }, false)
    const plain = createAgents({}, false)
    try {
      expect(agents.https.constructor).not.toBe(https.Agent)
      expect(agents.http.constructor).not.toBe(http.Agent)
      expect(optionsOf(agents.https).proxyEnv).toBeUndefined()
      // Without a proxy, Node's own agents.
      expect(plain.https.constructor).toBe(https.Agent)
    } finally {
      for (const agent of [agents.http, agents.https, plain.http, plain.https]) agent.destroy()
    }
  })

  it('bypasses nothing when there is no bypass list', () => {
    const agents = createAgents({ url: 'http://proxy:3128' }, true)
    try {
      expect(optionsOf(agents.https).proxyEnv).toStrictEqual({
        HTTPS_PROXY: 'http://proxy:3128',
        HTTP_PROXY: 'http://proxy:3128',
        NO_PROXY: ''
      })
    } finally {
      agents.http.destroy()
      agents.https.destroy()
    }
  })

  it('hands the proxy and its bypass list to the agents of a Node that has Agent proxyEnv', () => {
    const agents = createAgents({ url: 'http://proxy:3128', noProxy: '.internal' }, true)
    const proxyEnv = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '.internal' }
    try {
      expect(optionsOf(agents.http)).toMatchObject({ keepAlive: true, proxyEnv })
      expect(optionsOf(agents.https)).toMatchObject({ keepAlive: true, proxyEnv })
    } finally {
      agents.http.destroy()
      agents.https.destroy()
    }
  })
})

// On Node 24.4.0 (the oldest a runner ships) an Agent ignores `proxyEnv`: the step tunnels itself.
// Run this file there too: npx -y node@24.4.0 node_modules/vitest/vitest.mjs run __tests__/network.test.ts
describe('createAgents through a real proxy', () => {
  it.each([
    ['as this Node can', undefined],
    ['on a Node without Agent proxyEnv (before 24.5)', false]
  ])('%s: HTTPS through a tunnel, HTTP to the proxy, NO_PROXY hosts direct', async (_label, nodeHasProxyEnv) => {
    const [proxy, secure, plain] = await Promise.all([startProxy(), startServer(), startServer({ tls: false })])
    const agents = createAgents({ url: proxy.url, noProxy: 'bypassed.example' }, nodeHasProxyEnv)
    const direct = createAgents({ url: proxy.url, noProxy: '127.0.0.1' }, nodeHasProxyEnv)
    try {
      expect(await get(`${secure.url}/sts`, agents.https)).toEqual({ status: 200, body: 'GET /sts' })
      expect(await get(`${plain.url}/token`, agents.http)).toEqual({ status: 200, body: 'GET /token' })
      expect(proxy.requests.map(request => request.request)).toEqual([
        `CONNECT ${new URL(secure.url).host}`,
        `GET ${plain.url}/token`
      ])
      await get(`${secure.url}/`, direct.https)
      await get(`${plain.url}/`, direct.http)
      expect(proxy.requests).toHaveLength(2)
    } finally {
      for (const agent of [agents.http, agents.https, direct.http, direct.https]) agent.destroy()
      await Promise.all([proxy.close(), secure.close(), plain.close()])
    }
  })
})

beforeEach(() => core.resetCore())

describe('proxyValueSecrets', () => {
  it.each([
    ['http://user:s3cret@proxy:3128', ['user:s3cret', 's3cret']],
    ['http://user:p%40ss%20word@proxy:3128', ['user:p%40ss%20word', 'user:p@ss word', 'p%40ss%20word', 'p@ss word']],
    ['http://user:p@ss@proxy:3128', ['user:p%40ss', 'user:p@ss', 'p%40ss', 'p@ss']],
    ['http://user:100%@proxy:3128', ['user:100%', '100%']],
    ['http://ci:s3cret@proxy.internal:99999', ['ci:s3cret', 's3cret']],
    ['ci:s3cret@proxy.internal:3128', ['ci:s3cret', 's3cret']],
    ['http:/ci:s3cret@proxy', ['ci:s3cret', 's3cret']],
    ['http://token-only@proxy:3128', ['token-only']],
    // A token as the user name alone: also as the URL parser reads it, percent-encoding `=`.
    ['http://dG9rZW4+c2VjcmV0==@proxy:3128', ['dG9rZW4+c2VjcmV0==', 'dG9rZW4+c2VjcmV0%3D%3D']],
    ['https://tok%2Fen=@proxy', ['tok%2Fen=', 'tok/en=', 'tok%2Fen%3D', 'tok/en=']],
    // With a password, the user name is a name, not a secret: only with its password.
    ['http://ci=1:pw@proxy:3128', ['ci=1:pw', 'pw', 'ci%3D1:pw', 'ci=1:pw']],
    // No user name; the URL cannot be parsed.
    ['http://:s3cret@proxy:99999', [':s3cret', 's3cret']],
    // A line break or tab: each piece, and the whole without it, as the URL parser reads it.
    ['http://u:pa\nss@proxy:3128', ['u:pa\nss', 'pa\nss', 'u:pa', 'ss', 'pa', 'u:pass', 'pass']],
    ['http://u:pa\tss@proxy:99999', ['u:pa\tss', 'pa\tss', 'u:pa', 'ss', 'pa', 'u:pass', 'pass']],
    // A password of blanks is no secret to mask (it would hide every blank); the user info is.
    ['http://user:%20%20@proxy:3128', ['user:%20%20', 'user:  ', '%20%20']],
    // Padding a variable may have, which resolveProxy trims.
    ['\u00a0http://tok=en@proxy:3128', ['tok=en', 'tok%3Den']],
    // No scheme: `pa:/` in the password is no scheme.
    ['ci:pa:/ss@proxy:3128', ['ci:pa:/ss', 'pa:/ss']]
  ])('finds the user info of %s, parseable or not', (value, secrets) => {
    expect(new Set(proxyValueSecrets(value))).toEqual(new Set(secrets))
  })

  it('lists the longest first, so that a mask never hides part of a longer secret', () => {
    expect(proxyValueSecrets('http://tok=en@proxy:3128')).toEqual(['tok%3Den', 'tok=en'])
    expect(proxyValueSecrets('http://u:a%3D@proxy:3128')).toEqual(['u:a%3D', 'u:a=', 'a%3D', 'a='])
  })

  it.each(['http://proxy:3128', 'proxy:3128', ''])('finds nothing in %j', value => {
    expect(proxyValueSecrets(value)).toEqual([])
  })
})

describe('maskProxyCredentials', () => {
  it('masks the input and every proxy variable, the longest secret first', () => {
    maskProxyCredentials('http://a:input-pw@p:1', {
      HTTPS_PROXY: 'http://b:https-pw@p:99999',
      http_proxy: 'c:lower-pw@p',
      ALL_PROXY: 'socks5://d:all-pw@p',
      NO_PROXY: 'x:not-a-secret@y'
    })
    const masked = core.secrets()
    for (const secret of ['input-pw', 'https-pw', 'lower-pw', 'all-pw']) expect(masked).toContain(secret)
    expect(masked.join(' ')).not.toContain('not-a-secret')
  })
})

describe('describeTunnelRefusal', () => {
  it.each(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2'])('reads the status after %s', version => {
    const message = `Failed to establish tunnel to api.ecr.eu-west-1.amazonaws.com:443 via http://proxy:3128/: ${version} 403`
    expect(describeTunnelRefusal(message)).toBe(
      'the proxy refused the tunnel to api.ecr.eu-west-1.amazonaws.com:443 (HTTP 403): check that the proxy lets ' +
        'this runner reach api.ecr.eu-west-1.amazonaws.com:443, or list the host in NO_PROXY'
    )
  })

  it('quotes the target escaped', () => {
    expect(
      describeTunnelRefusal(
        'Failed to establish tunnel to x##[stop-commands]y:443 via http://proxy:3128/: HTTP/1.1 502'
      )
    ).toBe(
      'the proxy refused the tunnel to x##\\[stop-commands]y:443 (HTTP 502): check that the proxy lets this runner ' +
        'reach x##\\[stop-commands]y:443, or list the host in NO_PROXY'
    )
  })

  it('is undefined for any other error', () => {
    expect(describeTunnelRefusal('connect ECONNREFUSED 127.0.0.1:3128')).toBeUndefined()
  })
})
