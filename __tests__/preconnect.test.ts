// Which connections the step opens ahead (checked against the SDK's own endpoint resolution), and
// that the agent hands each to the first request for its host: one TLS connection per host, on
// loopback, never a second; the unused ones closed at the end or on abort.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as https from 'node:https'
import { type AddressInfo, createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { apiHost, sdkPartitions } from './e2e/support/aws-hosts.js'
import { type InputName, type Inputs, readInputs } from '../src/inputs.js'
import { preconnect, preconnectTargets } from '../src/preconnect.js'
import { type LoopbackCertificate, loopbackCertificate } from './fixtures/tls.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const ROLE = 'arn:aws:iam::123456789012:role/github-ci'
const TOKEN_URL = 'https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0'
const LOOPBACK = '127.0.0.1'
const NO_CONFIG = { AWS_CONFIG_FILE: join(tmpdir(), 'ecr-login-no-such-config') }

/** What preconnectTargets names for `inputs`; the registries too with `checked` (the step checks their logins). */
function targets(
  inputs: Partial<Record<InputName, string>>,
  env: Record<string, string> = {},
  checked = false,
  change: (read: Inputs) => Inputs = read => read
): string[] {
  const environment = { ...NO_CONFIG, ACTIONS_ID_TOKEN_REQUEST_URL: TOKEN_URL, ...env }
  const read = change(readInputs(name => inputs[name] ?? '', environment))
  return preconnectTargets(read, environment, checked).map(({ host, port }) => `${host}:${port}`)
}

describe('preconnectTargets', () => {
  it('opens GitHub’s token service, STS and ECR for role-to-assume, in that order', () => {
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' })).toEqual([
      'pipelines.actions.githubusercontent.com:443',
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443'
    ])
  })

  it('opens one ECR endpoint per region, and no STS, with credentials from the environment', () => {
    const registries = [
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
      '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
      '111111111111.dkr.ecr.us-east-1.amazonaws.com'
    ].join(',')
    expect(targets({ registries })).toEqual([
      'api.ecr.eu-west-1.amazonaws.com:443',
      'api.ecr.us-east-1.amazonaws.com:443'
    ])
  })

  it('opens ECR Public’s API for public.ecr.aws, and STS in the region of the first registry', () => {
    expect(targets({ 'role-to-assume': ROLE, registries: 'public.ecr.aws' })).toEqual([
      'pipelines.actions.githubusercontent.com:443',
      'sts.us-east-1.amazonaws.com:443',
      'api.ecr-public.us-east-1.amazonaws.com:443'
    ])
  })

  it('names the partition’s own domain', () => {
    expect(targets({ registries: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn' })).toEqual([
      'api.ecr.cn-north-1.amazonaws.com.cn:443'
    ])
  })

  it('opens nothing for a FIPS or dual-stack registry, whose endpoint the environment may still change', () => {
    const registries = '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com,123456789012.dkr-ecr.eu-west-1.on.aws'
    expect(targets({ registries })).toEqual([])
  })

  it.each([
    ['AWS_ENDPOINT_URL', 'http://127.0.0.1:4566'],
    ['AWS_ENDPOINT_URL_ECR', 'https://vpce.example'],
    ['AWS_ENDPOINT_URL_STS', 'https://vpce.example'],
    ['AWS_USE_FIPS_ENDPOINT', 'true'],
    ['AWS_USE_DUALSTACK_ENDPOINT', 'true']
  ])('opens no AWS API connection with %s set (only the token service)', (name, value) => {
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, { [name]: value })).toEqual([
      'pipelines.actions.githubusercontent.com:443'
    ])
  })

  it.each([
    ['endpoint_url = https://vpce.example', '[profile ci]\nendpoint_url = https://vpce.example\n'],
    [
      'a services section',
      '[default]\nservices = vpce\n[services vpce]\necr =\n  endpoint_url = https://vpce.example\n'
    ],
    ['use_fips_endpoint', '[default]\nuse_fips_endpoint = true\n'],
    ['use_dualstack_endpoint', '[default]\nUSE_DUALSTACK_ENDPOINT=true\n']
  ])('opens no AWS API connection when the shared config file has %s', (_name, text) => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-config-'))
    try {
      writeFileSync(join(dir, 'config'), text)
      expect(targets({ 'aws-region': 'eu-west-1' }, { AWS_CONFIG_FILE: join(dir, 'config') })).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('opens the API connections with a shared config file that names no endpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-config-'))
    try {
      writeFileSync(join(dir, 'config'), '[default]\nregion = us-east-1\noutput = json\n')
      expect(targets({ 'aws-region': 'eu-west-1' }, { AWS_CONFIG_FILE: join(dir, 'config') })).toEqual([
        'api.ecr.eu-west-1.amazonaws.com:443'
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('opens nothing through a proxy', () => {
    const inputs = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'http-proxy': 'http://proxy:3128' }
    expect(targets(inputs)).toEqual([])
    expect(targets({ 'aws-region': 'eu-west-1' }, { HTTPS_PROXY: 'http://proxy:3128' })).toEqual([])
  })

  it('opens no token-service connection for a plain-HTTP token URL', () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:8080/token' }
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, env)).toEqual([
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443'
    ])
  })

  it('names, in every partition, the hosts the SDK’s endpoint rules resolve', async () => {
    for (const { region } of await sdkPartitions()) {
      const inputs: Partial<Record<InputName, string>> = { 'role-to-assume': ROLE, 'aws-region': region }
      const read = readInputs(name => inputs[name] ?? '', NO_CONFIG)
      const expected = [apiHost('sts', region, 'standard'), apiHost('ecr', region, 'standard')]
      expect(
        preconnectTargets(read, NO_CONFIG, false).map(target => target.host),
        region
      ).toEqual(expected)
    }
    const publicInputs = readInputs(name => (name === 'registries' ? 'public.ecr.aws' : ''), NO_CONFIG)
    expect(preconnectTargets(publicInputs, NO_CONFIG, false).map(target => target.host)).toEqual([
      apiHost('ecr-public', 'us-east-1', 'standard')
    ])
  })
})

describe('preconnectTargets: the registries whose logins the step checks', () => {
  const PRIVATE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com'
  const ROLE_REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com:443'

  it('opens the registries written in `registries`, after the API hosts, only when it checks their logins', () => {
    const inputs = { 'role-to-assume': ROLE, registries: `${PRIVATE},public.ecr.aws` }
    const api = [
      'pipelines.actions.githubusercontent.com:443',
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443',
      'api.ecr-public.us-east-1.amazonaws.com:443'
    ]
    expect(targets(inputs, {}, true)).toEqual([...api, `${PRIVATE}:443`, 'public.ecr.aws:443'])
    expect(targets(inputs, {}, false)).toEqual(api)
  })

  it('opens a registry named by account ID, and one on a FIPS or dual-stack host, as written', () => {
    const registries =
      '222222222222,123456789012.dkr.ecr-fips.us-east-1.amazonaws.com,123456789012.dkr-ecr.eu-west-1.on.aws'
    expect(targets({ registries, 'aws-region': 'eu-west-1' }, {}, true)).toEqual([
      'api.ecr.eu-west-1.amazonaws.com:443',
      '222222222222.dkr.ecr.eu-west-1.amazonaws.com:443',
      '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com:443',
      '123456789012.dkr-ecr.eu-west-1.on.aws:443'
    ])
  })

  it('opens the registry written in `registries` with an endpoint configured, where it opens no API host', () => {
    expect(targets({ registries: PRIVATE }, { AWS_ENDPOINT_URL_ECR: 'https://vpce.example' }, true)).toEqual([
      `${PRIVATE}:443`
    ])
  })

  it('opens the default registry of the role’s account with role-to-assume, in its partition', () => {
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, {}, true)).toEqual([
      'pipelines.actions.githubusercontent.com:443',
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443',
      ROLE_REGISTRY
    ])
    const china = { 'role-to-assume': 'arn:aws-cn:iam::210987654321:role/ci', 'aws-region': 'cn-north-1' }
    expect(targets(china, {}, true).at(-1)).toBe('210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn:443')
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, {}, false)).not.toContain(ROLE_REGISTRY)
  })

  it('guesses no default registry where an endpoint may be configured: one that is not ECR may name another', () => {
    const role = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }
    expect(targets(role, { AWS_ENDPOINT_URL_ECR: 'https://vpce.example' }, true)).toEqual([
      'pipelines.actions.githubusercontent.com:443'
    ])
  })

  it('opens no default registry without role-to-assume: its account is known only when ECR answers', () => {
    expect(targets({ 'aws-region': 'eu-west-1' }, {}, true)).toEqual(['api.ecr.eu-west-1.amazonaws.com:443'])
  })

  it.each([
    ['FIPS', { fips: true, dualStack: false }],
    ['dual-stack', { fips: false, dualStack: true }]
  ])('opens no %s default registry: its host is not the plain one', (_label, variant) => {
    const onVariant = (read: Inputs): Inputs => ({
      ...read,
      registries: read.registries.map(registry =>
        registry.kind === 'private' ? { ...registry, ...variant } : registry
      )
    })
    expect(targets({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }, {}, true, onVariant)).toEqual([
      'pipelines.actions.githubusercontent.com:443',
      'sts.eu-west-1.amazonaws.com:443'
    ])
  })

  it('opens no registry through a proxy', () => {
    const inputs = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'http-proxy': 'http://proxy:3128' }
    expect(targets(inputs, {}, true)).toEqual([])
    expect(targets({ registries: PRIVATE }, { HTTPS_PROXY: 'http://proxy:3128' }, true)).toEqual([])
  })

  it('names each host once', () => {
    const twice = (read: Inputs): Inputs => ({ ...read, registries: [...read.registries, ...read.registries] })
    expect(targets({ 'role-to-assume': ROLE, registries: `${PRIVATE},public.ecr.aws` }, {}, true, twice)).toEqual([
      'pipelines.actions.githubusercontent.com:443',
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443',
      'api.ecr-public.us-east-1.amazonaws.com:443',
      `${PRIVATE}:443`,
      'public.ecr.aws:443'
    ])
    // The token service on a registry's host (as a test double may be) is opened once too.
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `https://${PRIVATE}/token` }
    expect(targets({ 'role-to-assume': ROLE, registries: PRIVATE }, env, true)).toEqual([
      `${PRIVATE}:443`,
      'sts.eu-west-1.amazonaws.com:443',
      'api.ecr.eu-west-1.amazonaws.com:443'
    ])
  })
})

describe('preconnect', () => {
  // A self-signed certificate for 127.0.0.1, which the agent below trusts.
  let tls: LoopbackCertificate
  beforeAll(() => {
    tls = loopbackCertificate()
  })

  /** An HTTPS server on loopback that counts the connections it accepts and the ones closed. */
  async function server() {
    const counts = { opened: 0, closed: 0 }
    const listening = https.createServer(tls, (_request, response) => response.end('ok'))
    listening.on('secureConnection', socket => {
      counts.opened++
      socket.on('close', () => counts.closed++)
    })
    await new Promise<void>(resolve => listening.listen(0, '127.0.0.1', resolve))
    const port = (listening.address() as AddressInfo).port
    const stop = () => new Promise<void>(resolve => listening.close(() => resolve()))
    return { counts, port, stop }
  }

  const agentFor = () => new https.Agent({ keepAlive: true, ca: tls.cert })

  function get(agent: https.Agent, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      https
        .get({ host: LOOPBACK, port, agent, path: '/' }, response => {
          let body = ''
          response.on('data', chunk => (body += chunk))
          response.on('end', () => resolve(body))
        })
        .on('error', reject)
    })
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 10))
    expect(check()).toBe(true)
  }

  it('opens the connection at once and hands it to the first request: one connection, not two', async () => {
    const peer = await server()
    const agent = agentFor()
    try {
      const preconnected = preconnect(agent, [{ host: LOOPBACK, port: peer.port }], new AbortController().signal)
      await preconnected.underway
      await until(() => peer.counts.opened === 1)
      expect(await get(agent, peer.port)).toBe('ok')
      expect(await get(agent, peer.port)).toBe('ok')
      expect(peer.counts.opened).toBe(1)
      preconnected.close()
    } finally {
      agent.destroy()
      await peer.stop()
    }
  })

  it('closes the connections no request took, at close() or when the signal aborts', async () => {
    const [first, second] = [await server(), await server()]
    const agent = agentFor()
    const abort = new AbortController()
    try {
      const taken = { host: LOOPBACK, port: first.port }
      const preconnected = preconnect(agent, [taken, { host: LOOPBACK, port: second.port }], abort.signal)
      await until(() => first.counts.opened === 1 && second.counts.opened === 1)
      abort.abort()
      await until(() => first.counts.closed === 1 && second.counts.closed === 1)
      // After the abort, a request opens its own connection, as without preconnect.
      expect(await get(agent, first.port)).toBe('ok')
      expect(first.counts.opened).toBe(2)
      preconnected.close()
    } finally {
      agent.destroy()
      await Promise.all([first.stop(), second.stop()])
    }
  })

  it('lets a request open its own connection when the one opened ahead failed', async () => {
    const probe = createServer()
    await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise(resolve => probe.close(resolve))
    const agent = agentFor()
    const preconnected = preconnect(agent, [{ host: LOOPBACK, port }], new AbortController().signal)
    // Nothing listens yet: the connection opened ahead is refused, quietly.
    await preconnected.underway
    await new Promise(resolve => setTimeout(resolve, 50))
    const late = https.createServer(tls, (_request, response) => response.end('late'))
    await new Promise<void>(resolve => late.listen(port, '127.0.0.1', resolve))
    try {
      expect(await get(agent, port)).toBe('late')
    } finally {
      preconnected.close()
      agent.destroy()
      await new Promise(resolve => late.close(resolve))
    }
  })

  it('does not hold the SDK back for a connection whose address never comes', async () => {
    const agent = agentFor()
    // A socket that never looks up, connects or fails.
    agent.createConnection = () => new Socket()
    const preconnected = preconnect(agent, [{ host: 'stuck.invalid', port: 443 }], new AbortController().signal)
    const started = performance.now()
    await preconnected.underway
    expect(performance.now() - started).toBeLessThan(2000)
    preconnected.close()
    agent.destroy()
  })

  it('opens nothing, and leaves the agent as it is, with no targets or an aborted signal', () => {
    const agent = agentFor()
    preconnect(agent, [], new AbortController().signal).close()
    preconnect(agent, [{ host: LOOPBACK, port: 1 }], AbortSignal.abort()).close()
    expect(Object.hasOwn(agent, 'createConnection')).toBe(false)
    agent.destroy()
  })
})
