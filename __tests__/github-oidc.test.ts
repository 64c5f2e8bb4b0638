import * as http from 'node:http'
import * as https from 'node:https'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { ActionError, ThrottlingError, TransientError } from '../src/errors.js'
import { fetchIdToken, MISSING_TOKEN_HELP, oidcRequestFromEnv } from '../src/github-oidc.js'
import { createAgents } from '../src/network.js'
import { PROXY_REFUSED_HELP } from '../src/network.js'
import { isThrottling, isTransient } from '../src/retry.js'
import { fakeJwt, GITHUB_CLAIMS } from './fixtures/aws.js'
import { startTokenServer, tokenAnswer, type TokenAnswer, type TokenServer } from './fixtures/token-server.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const REQUEST_TOKEN = 'runtime-request-token-0123456789'
const JWT = fakeJwt(GITHUB_CLAIMS)

let server: TokenServer | undefined
const agents = createAgents({})

async function serve(answer: TokenAnswer | ((audience: string | null) => TokenAnswer)): Promise<TokenServer> {
  server = await startTokenServer(request =>
    typeof answer === 'function' ? answer(request.query.get('audience')) : answer
  )
  return server
}

function fetchFrom(service: TokenServer, audience = 'sts.amazonaws.com', signal = new AbortController().signal) {
  return fetchIdToken({ url: service.url, requestToken: REQUEST_TOKEN }, audience, agents, signal)
}

beforeEach(() => core.resetCore())
afterEach(async () => {
  await server?.close()
  server = undefined
})
afterAll(() => {
  agents.http.destroy()
  agents.https.destroy()
})

describe('oidcRequestFromEnv', () => {
  it('reads the token service address and bearer token the runner sets', () => {
    expect(
      oidcRequestFromEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' })
    ).toEqual({ url: 'https://runner/token', requestToken: 'rt' })
  })

  it.each([
    [{}],
    [{ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner/token' }],
    [{ ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' }],
    [{ ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' }]
  ])('explains id-token: write and forks when the runner gave no token service: %j', env => {
    expect(() => oidcRequestFromEnv(env)).toThrow(ActionError)
    expect(() => oidcRequestFromEnv(env)).toThrow(MISSING_TOKEN_HELP)
    expect(MISSING_TOKEN_HELP).toContain("'permissions: id-token: write'")
    expect(MISSING_TOKEN_HELP).toContain('forks')
    expect(MISSING_TOKEN_HELP).toContain('role-to-assume')
  })
})

describe('fetchIdToken', () => {
  it('asks for the audience with the runner bearer token, masks the token and returns it', async () => {
    const service = await serve(tokenAnswer(JWT))
    await expect(fetchFrom(service)).resolves.toBe(JWT)
    expect(service.requests).toHaveLength(1)
    const [request] = service.requests
    expect(request.path).toBe('/_apis/distributedtask/token')
    expect(request.query.get('api-version')).toBe('2.0')
    expect(request.query.get('audience')).toBe('sts.amazonaws.com')
    expect(request.headers.authorization).toBe(`Bearer ${REQUEST_TOKEN}`)
    expect(request.headers.accept).toBe('application/json')
    expect(core.secrets()).toEqual([JWT])
  })

  it('sends an audience with URL characters intact', async () => {
    const audience = 'https://github.com/octo-org?x=1&y=2'
    const service = await serve(seen => tokenAnswer(seen === audience ? JWT : 'wrong-audience'))
    await expect(fetchFrom(service, audience)).resolves.toBe(JWT)
    expect(service.requests[0].query.getAll('audience')).toEqual([audience])
  })

  it('replaces an audience already in the service address', async () => {
    const service = await serve(tokenAnswer(JWT))
    await fetchIdToken(
      { url: `${service.url}&audience=wrong`, requestToken: REQUEST_TOKEN },
      'sts.amazonaws.com',
      agents,
      new AbortController().signal
    )
    expect(service.requests[0].query.getAll('audience')).toEqual(['sts.amazonaws.com'])
  })

  it.each([429, 500, 502, 503, 504])('throws a TransientError for HTTP %i', async status => {
    const service = await serve({ status, body: '{"message":"busy"}' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TransientError)
    expect((error as Error).message).toBe(`the token service answered HTTP ${status}`)
    expect(isTransient(error)).toBe(true)
    expect(core.setSecret).not.toHaveBeenCalled()
  })

  it.each([
    [429, true],
    [503, false]
  ])('counts HTTP %i as throttling: %s', async (status, throttling) => {
    const service = await serve({ status, body: '{"message":"busy"}' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(isThrottling(error)).toBe(throttling)
  })

  it.each([
    ['seconds', '7', 7000],
    ['an HTTP date', new Date(Date.now() + 30_000).toUTCString(), 30_000]
  ])("carries a 429's Retry-After given in %s", async (_label, retryAfter, ms) => {
    const service = await serve({
      status: 429,
      body: '{"message":"slow down"}',
      headers: { 'Retry-After': retryAfter }
    })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ThrottlingError)
    expect((error as ThrottlingError).retryAfterMs).toBeGreaterThan(ms - 2000)
    expect((error as ThrottlingError).retryAfterMs).toBeLessThanOrEqual(ms)
  })

  it('carries no Retry-After when a 429 has none', async () => {
    const service = await serve({ status: 429, body: '{"message":"slow down"}' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect((error as ThrottlingError).retryAfterMs).toBeUndefined()
  })

  it.each([400, 401, 403, 404])('throws an ActionError naming id-token: write for HTTP %i', async status => {
    const service = await serve({ status, body: '{"message":"nope"}' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect(isTransient(error)).toBe(false)
    expect((error as Error).message).toBe(
      `GitHub's OIDC token service refused the request (HTTP ${status}). The job's id-token permission ` +
        `or its request token may be wrong: check 'permissions: id-token: write'.`
    )
    expect((error as Error).message).not.toContain(REQUEST_TOKEN)
  })

  it('says the proxy wants credentials when it answers HTTP 407', async () => {
    const service = await serve({ status: 407, body: '' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect(isTransient(error)).toBe(false)
    expect((error as Error).message).toBe(`GitHub's OIDC token request failed: ${PROXY_REFUSED_HELP}.`)
  })

  it.each([
    ['401 Unauthorized', 'check the user name and password in http-proxy or HTTPS_PROXY'],
    ['403 Forbidden', 'check that the proxy lets this runner reach token.example:443, or list the host in NO_PROXY']
  ])('says the proxy refused the tunnel (%s), without quoting the proxy URL', async (answer, fix) => {
    // What Node's proxy agent reports when the proxy answers CONNECT with an error.
    const refusal = new Error(
      `Failed to establish tunnel to token.example:443 via http://ci:s3cret@proxy.internal:3128/: HTTP/1.1 ${answer}`
    )
    const refusing = new http.Agent()
    Object.assign(refusing, {
      addRequest: (request: http.ClientRequest) => process.nextTick(() => request.emit('error', refusal))
    })
    const error = await fetchIdToken(
      { url: 'http://token.example/_apis/actions/idtoken', requestToken: REQUEST_TOKEN },
      'sts.amazonaws.com',
      { http: refusing, https: new https.Agent() },
      new AbortController().signal
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toBe(
      `GitHub's OIDC token request failed: the proxy refused the tunnel to token.example:443 (HTTP ${answer.slice(0, 3)}): ${fix}.`
    )
    expect((error as Error).message).not.toContain('s3cret')
  })

  it('throws an ActionError when the answer is not JSON', async () => {
    const service = await serve({ status: 200, body: '<html>proxy login</html>' })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toMatch(/^GitHub's OIDC token service sent an answer that is not JSON: /)
  })

  it.each([
    ['no value', '{"count":0}'],
    ['an empty value', '{"value":""}'],
    ['a value that is not a string', '{"value":42}'],
    ['JSON null', 'null']
  ])('throws an ActionError for an answer with %s', async (_label, body) => {
    const service = await serve({ status: 200, body })
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as Error).message).toBe("GitHub's OIDC token service sent no token (no 'value' in its answer).")
    expect(core.setSecret).not.toHaveBeenCalled()
  })

  it('gives up when the signal aborts', async () => {
    const service = await serve(tokenAnswer(JWT))
    const controller = new AbortController()
    controller.abort()
    await expect(fetchFrom(service, 'sts.amazonaws.com', controller.signal)).rejects.toMatchObject({
      name: 'AbortError'
    })
    expect(core.setSecret).not.toHaveBeenCalled()
  })

  it('fails with a network error that is retried when nothing listens', async () => {
    const service = await serve(tokenAnswer(JWT))
    await service.close()
    server = undefined
    const error = await fetchFrom(service).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ECONNREFUSED' })
    expect(isTransient(error)).toBe(true)
  })
})
