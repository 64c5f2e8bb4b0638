import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicTokenCommand } from '@aws-sdk/client-ecr-public'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { answerChecks, checkedHosts, checkLogin, refusal, resetChecks, stallUntilAborted } from './fixtures/registry.js'
import { addHelperEntry } from '../src/credential-config.js'
import { HELPER_NAME } from '../src/credential-protocol.js'
import { TransientError } from '../src/errors.js'
import { NO_CREDENTIALS_HELP } from '../src/aws-credentials.js'
import { noClientHelp } from '../src/registry-cli.js'
import type { InputName } from '../src/inputs.js'
import { run } from '../src/main.js'
import type * as CredentialSetup from '../src/credential-setup.js'
import { startCredentialAgent } from '../src/credential-setup.js'
import type * as Preconnect from '../src/preconnect.js'
import { preconnect } from '../src/preconnect.js'
import { MISSING_TOKEN_HELP } from '../src/github-oidc.js'
import {
  ACCOUNT,
  awsError,
  ENV_CREDENTIALS,
  fakeJwt,
  GITHUB_CLAIMS,
  OTHER_ACCOUNT,
  stsError,
  stubEnvCredentials,
  stubNoAmbientCredentials
} from './fixtures/aws.js'
import { get, startProxy } from './fixtures/proxy.js'
import { startTokenServer, tokenAnswer } from './fixtures/token-server.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))
// Registry host names cannot be served here: each registry's answer to the login check is scripted.
vi.mock('../src/registry-check.js', () => import('./fixtures/registry.js'))
// credential-helper: the agent itself is tested in credential-setup.test.ts.
vi.mock('../src/credential-setup.js', async importOriginal => ({
  ...(await importOriginal<typeof CredentialSetup>()),
  startCredentialAgent: vi.fn()
}))
// The unit suite opens no connection: main's targets are computed for real, the opening is recorded.
const preconnected = vi.hoisted(() => ({ close: vi.fn() }))
vi.mock('../src/preconnect.js', async importOriginal => ({
  ...(await importOriginal<typeof Preconnect>()),
  preconnect: vi.fn(() => ({ underway: Promise.resolve(), close: preconnected.close }))
}))

const ecr = mockClient(ECRClient)
const ecrPublic = mockClient(ECRPUBLICClient)
const sts = mockClient(STSClient)

const EU_A = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const EU_B = `${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const US_A = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
const PUBLIC = 'public.ecr.aws'
const EXPIRES = new Date('2030-01-01T12:00:00.000Z')

// Every token and password the fake ECR hands out, to check that none is ever printed.
const issued = new Set<string>()
const passwordFor = (host: string): string => `password-for-${host}`
function tokenFor(host: string): string {
  const token = Buffer.from(`AWS:${passwordFor(host)}`).toString('base64')
  issued.add(token)
  issued.add(passwordFor(host))
  return token
}

function stubInputs(inputs: Partial<Record<InputName, string>>): void {
  for (const [name, value] of Object.entries(inputs)) vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
}

/** ECR answers every account it is asked for, in the client's region, with a token per host. */
function ecrAnswers(expiresAt: (host: string) => Date | undefined = () => EXPIRES): void {
  ecr.on(GetAuthorizationTokenCommand).callsFake(async (input: { registryIds?: string[] }, getClient) => {
    const region = await getClient().config.region()
    const ids = input.registryIds ?? [ACCOUNT]
    return {
      authorizationData: ids.map(id => {
        const host = `${id}.dkr.ecr.${region}.amazonaws.com`
        return { authorizationToken: tokenFor(host), proxyEndpoint: `https://${host}`, expiresAt: expiresAt(host) }
      })
    }
  })
  ecrPublic
    .on(GetPublicTokenCommand)
    .callsFake(() => ({ authorizationData: { authorizationToken: tokenFor(PUBLIC), expiresAt: expiresAt(PUBLIC) } }))
}

/** What docker login would write for `host` in config.json: base64 of user:password. */
const authFor = (host: string): string => Buffer.from(`AWS:${passwordFor(host)}`).toString('base64')

interface DockerConfig {
  auths?: Record<string, { auth?: string }>
  credHelpers?: Record<string, string>
  credsStore?: string
}

// The docker config the test's DOCKER_CONFIG names, a new one for each test.
let dockerDir: string

/** config.json in `dir` (the test's DOCKER_CONFIG by default); {} when there is none. */
function dockerConfig(dir = dockerDir): DockerConfig {
  const file = join(dir, 'config.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DockerConfig) : {}
}

/** The hosts config.json holds a login for. */
function kept(dir = dockerDir): string[] {
  return Object.keys(dockerConfig(dir).auths ?? {})
}

/** The stdin given to the n-th process run, read as the JSON a docker credential helper gets. */
function helperInput(call: number): unknown {
  return JSON.parse(exec.stdinOf(call) ?? 'null')
}

function failedWith(): string {
  expect(core.setFailed).toHaveBeenCalledTimes(1)
  return String(core.setFailed.mock.calls[0][0])
}

let docker: ReturnType<typeof exec.makeDockerDir>

beforeAll(() => {
  docker = exec.makeDockerDir()
})
afterAll(() => docker.remove())

beforeEach(() => {
  core.resetCore()
  exec.resetExec()
  resetChecks()
  dockerDir = mkdtempSync(join(tmpdir(), 'main-test-docker-'))
  vi.stubEnv('DOCKER_CONFIG', dockerDir)
  vi.mocked(preconnect).mockClear()
  preconnected.close.mockClear()
  ecr.reset()
  ecrPublic.reset()
  sts.reset()
  issued.clear()
  stubEnvCredentials()
  vi.stubEnv('PATH', docker.dir)
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    vi.stubEnv(name, undefined)
  }
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
  ]) {
    vi.stubEnv(name, undefined)
  }
  ecrAnswers()
})

afterEach(() => {
  // Whatever happened, no secret reached the log or a command line, and every process and check ran
  // under the deadline.
  for (const line of core.printed()) {
    for (const secret of [...issued, ENV_CREDENTIALS.secretAccessKey, ENV_CREDENTIALS.sessionToken]) {
      expect(line).not.toContain(secret)
    }
  }
  for (const [command, args, options] of exec.runProcess.mock.calls) {
    for (const secret of issued) expect([command, ...(args ?? [])].join(' ')).not.toContain(secret)
    expect(options?.signal).toBeInstanceOf(AbortSignal)
  }
  for (const [, , signal] of checkLogin.mock.calls) expect(signal).toBeInstanceOf(AbortSignal)
  rmSync(dockerDir, { recursive: true, force: true })
  vi.useRealTimers()
})

describe('run: logging in', () => {
  it('checks the login with the registry, keeps it in config.json as docker login does, and sets its outputs', async () => {
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(checkLogin).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ host: EU_A, username: 'AWS', password: passwordFor(EU_A) }),
      expect.objectContaining({ https: expect.anything() as unknown }),
      expect.any(AbortSignal)
    )
    // No docker process runs at login: the check is the step's own request.
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(dockerConfig()).toEqual({ auths: { [EU_A]: { auth: authFor(EU_A) } } })
    expect(core.outputs()).toEqual({
      registry: EU_A,
      registries: EU_A,
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: passwordFor(EU_A),
      'expires-at': EXPIRES.toISOString()
    })
    expect(core.info).toHaveBeenCalledWith(`Logged in to ${EU_A} as AWS (token valid until ${EXPIRES.toISOString()})`)
  })

  it('logs in to the default registry of aws-region', async () => {
    stubInputs({ 'aws-region': 'eu-west-1' })
    await run()
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0].args[0].input).toEqual({})
    expect(checkedHosts()).toEqual([EU_A])
    expect(kept()).toEqual([EU_A])
    expect(core.outputs()).toMatchObject({ registry: EU_A, registries: EU_A })
  })

  it('masks the token and the password before printing or sending anything, and never the user name', async () => {
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT })
    await run()
    const token = tokenFor(EU_A)
    const maskedToken = core.indexOf(event => event.what === 'setSecret' && event.args[0] === token)
    const maskedPassword = core.indexOf(event => event.what === 'setSecret' && event.args[0] === passwordFor(EU_A))
    const afterEcr = core.timeline.slice(maskedToken + 1)
    expect(maskedToken).toBeGreaterThanOrEqual(0)
    expect(maskedPassword).toBe(maskedToken + 1)
    expect(afterEcr.findIndex(event => event.what === 'check:start')).toBeGreaterThan(0)
    expect(core.secrets()).toEqual([
      ENV_CREDENTIALS.secretAccessKey,
      ENV_CREDENTIALS.sessionToken,
      token,
      passwordFor(EU_A)
    ])
    expect(core.secrets()).not.toContain('AWS')
  })

  it('makes one ECR call per group and logs in to every host, in the order given', async () => {
    stubInputs({
      registries: `${EU_A}\n${US_A}\n${PUBLIC}\n${EU_B}`
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const calls = ecr.commandCalls(GetAuthorizationTokenCommand)
    expect(calls).toHaveLength(2)
    const byRegion = Object.fromEntries(
      await Promise.all(
        calls.map(async call => [await (call.thisValue as ECRClient).config.region(), call.args[0].input] as const)
      )
    )
    expect(byRegion).toEqual({
      'eu-west-1': { registryIds: [ACCOUNT, OTHER_ACCOUNT] },
      'us-east-1': { registryIds: [ACCOUNT] }
    })
    expect(ecrPublic.commandCalls(GetPublicTokenCommand)).toHaveLength(1)
    expect([...checkedHosts()].sort()).toEqual([EU_A, EU_B, PUBLIC, US_A].sort())
    for (const [credentials] of checkLogin.mock.calls) expect(credentials.password).toBe(passwordFor(credentials.host))
    expect(dockerConfig().auths).toEqual(
      Object.fromEntries([EU_A, EU_B, US_A, PUBLIC].map(host => [host, { auth: authFor(host) }]))
    )
    const outputs = core.outputs()
    expect(outputs).not.toHaveProperty('registry')
    expect(outputs.registries).toBe(`${EU_A},${US_A},${PUBLIC},${EU_B}`)
    expect(outputs).toMatchObject({
      docker_password_public_ecr_aws: passwordFor(PUBLIC),
      docker_username_public_ecr_aws: 'AWS',
      docker_password_210987654321_dkr_ecr_eu_west_1_amazonaws_com: passwordFor(EU_B),
      docker_password_123456789012_dkr_ecr_us_east_1_amazonaws_com: passwordFor(US_A)
    })
  })

  it('checks every registry at once', async () => {
    const hosts = [EU_A, EU_B, US_A, PUBLIC]
    // No registry answers before every check has started: checks one at a time would time out.
    let started = 0
    let everyoneAsked = (): void => undefined
    const allStarted = new Promise<void>(resolve => (everyoneAsked = resolve))
    answerChecks(async (credentials, signal) => {
      if (++started === hosts.length) everyoneAsked()
      await Promise.race([allStarted, stallUntilAborted(credentials, signal)])
    })
    stubInputs({ registries: hosts.join(','), 'timeout-seconds': '2' })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const checks = core.timeline.filter(event => event.what.startsWith('check:')).map(event => event.what)
    expect(checks).toEqual([...hosts.map(() => 'check:start'), ...hosts.map(() => 'check:end')])
    expect(kept().sort()).toEqual([...hosts].sort())
  })

  it('keeps one login at a time, through the store config.json names, with the password on stdin only', async () => {
    const hosts = [EU_A, EU_B, US_A, PUBLIC]
    writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ credsStore: 'desktop' }))
    stubInputs({ registries: hosts.join(',') })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    // The store helper runs one at a time, each after its registry accepted the login.
    const runs = core.timeline.filter(event => event.what.startsWith('exec:')).map(event => event.what)
    expect(runs).toEqual(hosts.flatMap(() => ['exec:start', 'exec:end']))
    const stored = exec.runProcess.mock.calls.map((call, index) => {
      expect(call.slice(0, 2)).toEqual(['docker-credential-desktop', ['store']])
      return helperInput(index) as { ServerURL: string }
    })
    expect(stored.map(input => input.ServerURL).sort()).toEqual([...hosts].sort())
    const starts = core.timeline.flatMap((event, index) => (event.what === 'exec:start' ? [index] : []))
    for (const [index, input] of stored.entries()) {
      expect(input).toEqual({ ServerURL: input.ServerURL, Username: 'AWS', Secret: passwordFor(input.ServerURL) })
      const accepted = core.indexOf(event => event.what === 'check:end' && event.args[0] === input.ServerURL)
      expect(accepted).toBeLessThan(starts[index])
    }
    // The password is in the store only; config.json records the login, as docker login does.
    expect(dockerConfig()).toEqual({
      credsStore: 'desktop',
      auths: Object.fromEntries(hosts.map(host => [host, {}]))
    })
  })

  it('saves each host for the post step before its login is written to config.json', async () => {
    // What config.json holds at the moment each list of registries is saved.
    const saveState = core.saveState.getMockImplementation()
    core.saveState.mockImplementation((name: string, value: unknown) => {
      saveState?.(name, value)
      if (name === 'registries') core.timeline.push({ what: 'config.json', args: [kept()] })
    })
    stubInputs({ registries: [EU_A, US_A, PUBLIC].join(',') })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const saves = core.timeline.flatMap((event, index) =>
      event.what === 'saveState' && event.args[0] === 'registries'
        ? [
            {
              saved: JSON.parse(String(event.args[1])) as string[],
              written: core.timeline[index + 1].args[0] as string[]
            }
          ]
        : []
    )
    expect(saves).toHaveLength(3)
    // When a host is saved, config.json holds the logins saved before it, not yet its own.
    saves.forEach(({ saved, written }, index) => {
      const before = index === 0 ? [] : saves[index - 1].saved
      expect(saved.filter(host => !before.includes(host))).toHaveLength(1)
      expect([...written].sort()).toEqual([...before].sort())
    })
    // Whatever order the checks end in, the list for post is in the order of the input.
    expect(saves.at(-1)?.saved).toEqual([EU_A, US_A, PUBLIC])
    expect([...kept()].sort()).toEqual([EU_A, US_A, PUBLIC].sort())
    expect(core.saveState).toHaveBeenCalledWith('logout-timeout-seconds', '120')
  })

  it('lists the hosts for post in the order of the input, whatever order their checks end in', async () => {
    // The first host's registry answers last.
    answerChecks(async ({ host }) => {
      if (host === EU_A) await new Promise(resolve => setTimeout(resolve, 30))
    })
    stubInputs({ registries: [EU_A, EU_B].join(',') })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const ends = core.timeline.filter(event => event.what === 'check:end').map(event => event.args[0])
    expect(ends).toEqual([EU_B, EU_A])
    expect(JSON.parse(core.getState('registries')) as string[]).toEqual([EU_A, EU_B])
  })

  it.each([[{ logout: 'false' }], [{ 'skip-logout': 'true' }]])(
    'saves no registries to log out of with %j, only where it logged in',
    async given => {
      stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT, ...given })
      await run()
      expect(checkedHosts()).toEqual([EU_A])
      expect(kept()).toEqual([EU_A])
      expect(core.saveState.mock.calls.map(([name]) => name)).toEqual(['login-target'])
    }
  )

  it('sets expires-at to the earliest expiry', async () => {
    ecr.reset()
    ecrAnswers(host => new Date(host === US_A ? '2030-01-01T06:00:00.000Z' : '2030-01-01T18:00:00.000Z'))
    stubInputs({ registries: `${EU_A},${US_A},${PUBLIC}` })
    await run()
    expect(core.outputs()['expires-at']).toBe('2030-01-01T06:00:00.000Z')
  })

  it('warns about a token that expired in the past but does not fail', async () => {
    ecr.reset()
    ecrAnswers(() => new Date('2000-01-01T00:00:00.000Z'))
    stubInputs({ registries: EU_A })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      `ECR says the token for ${EU_A} expired at 2000-01-01T00:00:00.000Z, which is in the past: check this ` +
        `runner's clock. Logged in anyway.`
    )
    expect(core.outputs()).toMatchObject({ registry: EU_A, 'expires-at': '2000-01-01T00:00:00.000Z' })
  })

  it('leaves the password unmasked with mask-password false, masks the token, and warns', async () => {
    stubInputs({ registries: EU_A, 'mask-password': 'false' })
    await run()
    expect(core.secrets()).toContain(tokenFor(EU_A))
    expect(core.secrets()).not.toContain(passwordFor(EU_A))
    expect(core.outputs()).toMatchObject({
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: passwordFor(EU_A)
    })
    expect(core.warning).toHaveBeenCalledWith(
      'mask-password is false: the docker password outputs are not masked in the log.'
    )
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('retries a check that hit a registry hiccup, and keeps that login once the registry accepts it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    let failures = 0
    answerChecks(({ host }) => {
      if (host === EU_A && failures++ === 0) throw new TransientError('GET /v2/ answered HTTP 503')
    })
    stubInputs({ registries: `${EU_A},${EU_B}` })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect([...checkedHosts()].sort()).toEqual([EU_A, EU_A, EU_B])
    expect(core.info).toHaveBeenCalledWith(
      `ECR registry ${EU_A} failed (GET /v2/ answered HTTP 503); retrying in 0.0 s (attempt 2 of 5)`
    )
    expect(kept().sort()).toEqual([EU_A, EU_B].sort())
    // Kept only once the second check was accepted.
    const secondCheck = core.timeline.findLastIndex(event => event.what === 'check:start' && event.args[0] === EU_A)
    const loggedIn = core.indexOf(
      event => event.what === 'info' && String(event.args[0]).startsWith(`Logged in to ${EU_A} `)
    )
    expect(loggedIn).toBeGreaterThan(secondCheck)
  })

  it('sends the check through the proxy input and masks the proxy password before printing the proxy', async () => {
    const proxy = await startProxy()
    try {
      // The proxy turns the tunnel down: what it was asked is what the check's own request went through.
      proxy.refuseWith(407)
      answerChecks(async ({ host }, _signal, agents) => {
        await get(`https://${host}/v2/`, agents.https).catch(() => undefined)
      })
      const proxyUrl = proxy.url.replace('http://', 'http://ci:pr0xy-pa55@')
      vi.stubEnv('NO_PROXY', '169.254.169.254')
      stubInputs({ registries: EU_A, 'http-proxy': proxyUrl })
      await run()
      expect(core.setFailed).not.toHaveBeenCalled()
      const masked = core.indexOf(event => event.what === 'setSecret' && event.args[0] === 'pr0xy-pa55')
      const shown = core.indexOf(
        event =>
          event.what === 'info' &&
          event.args[0] ===
            `Using proxy ${proxy.url.replace('http://', 'http://***@')} (from http-proxy); not for 169.254.169.254`
      )
      expect(core.timeline.slice(0, masked).every(event => event.what === 'setSecret')).toBe(true)
      expect(shown).toBeGreaterThan(masked)
      expect(core.printed().join('\n')).not.toContain('pr0xy-pa55')
      expect(proxy.requests).toEqual([
        { request: `CONNECT ${EU_A}:443`, authorization: `Basic ${Buffer.from('ci:pr0xy-pa55').toString('base64')}` }
      ])
    } finally {
      await proxy.close()
    }
  })

  it('logs in with credentials from GitHub OIDC when role-to-assume is set', async () => {
    const jwt = fakeJwt(GITHUB_CLAIMS)
    const server = await startTokenServer(() => tokenAnswer(jwt))
    try {
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'request-token')
      vi.stubEnv('GITHUB_REPOSITORY', 'octo-org/app')
      vi.stubEnv('GITHUB_RUN_ID', '42')
      vi.stubEnv('GITHUB_RUN_ATTEMPT', '1')
      sts.on(AssumeRoleWithWebIdentityCommand).resolves({
        Credentials: {
          AccessKeyId: 'ASIAOIDC',
          SecretAccessKey: 'oidc-secret',
          SessionToken: 'oidc-session',
          Expiration: new Date('2030-01-01T00:15:00Z')
        }
      })
      stubInputs({
        'aws-region': 'eu-west-1',
        registries: ACCOUNT,
        'role-to-assume': 'arn:aws:iam::123456789012:role/ci'
      })
      await run()
    } finally {
      await server.close()
    }
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0].args[0].input).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/ci',
      RoleSessionName: 'gha-octo-org.app-42-1',
      WebIdentityToken: jwt,
      DurationSeconds: 900
    })
    const client = ecr.commandCalls(GetAuthorizationTokenCommand)[0].thisValue as ECRClient
    await expect(client.config.credentials()).resolves.toMatchObject({
      accessKeyId: 'ASIAOIDC',
      secretAccessKey: 'oidc-secret',
      sessionToken: 'oidc-session'
    })
    expect(core.secrets().slice(0, 3)).toEqual([jwt, 'oidc-secret', 'oidc-session'])
    expect(checkedHosts()).toEqual([EU_A])
    expect(kept()).toEqual([EU_A])
    for (const line of core.printed()) expect(line).not.toContain(jwt)
  })

  it('opens the API and registry connections it will use before its first call, and closes any left unused at the end', async () => {
    vi.stubEnv('AWS_CONFIG_FILE', join(tmpdir(), 'ecr-login-no-such-config'))
    stubInputs({ registries: [EU_A, US_A, EU_B].join(',') })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(preconnect).toHaveBeenCalledOnce()
    const [, targets, signal] = vi.mocked(preconnect).mock.calls[0]
    expect(targets).toEqual([
      { host: 'api.ecr.eu-west-1.amazonaws.com', port: 443 },
      { host: 'api.ecr.us-east-1.amazonaws.com', port: 443 },
      // The step checks each login with its registry itself.
      { host: EU_A, port: 443 },
      { host: US_A, port: 443 },
      { host: EU_B, port: 443 }
    ])
    expect(signal).toBeInstanceOf(AbortSignal)
    expect(preconnected.close).toHaveBeenCalledOnce()
    expect(vi.mocked(preconnect).mock.invocationCallOrder[0]).toBeLessThan(checkLogin.mock.invocationCallOrder[0])
  })
})

describe('run: credential-helper', () => {
  it('starts the agent, hands it each login checked before keeping it through our helper, and sets no password output', async () => {
    const agent = {
      // As the real agent: it takes the login and names our helper for the host in config.json.
      handOver: vi.fn((login: { host: string }) => {
        core.timeline.push({ what: 'handOver', args: [login.host] })
        addHelperEntry({ file: join(dockerDir, 'config.json'), previous: {} }, login.host)
        return Promise.resolve()
      }),
      close: vi.fn(() => void core.timeline.push({ what: 'close', args: [] }))
    }
    vi.mocked(startCredentialAgent).mockReturnValue(agent)
    stubInputs({ 'aws-region': 'eu-west-1', registries: `${ACCOUNT},${US_A}`, 'credential-helper': 'true' })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const [target, plan] = vi.mocked(startCredentialAgent).mock.calls[0]
    expect(target).toMatchObject({ client: 'docker' })
    expect(plan.groups.map(group => group.region)).toEqual(['eu-west-1', 'us-east-1'])
    expect(plan.credentials).toMatchObject({ accessKeyId: ENV_CREDENTIALS.accessKeyId })
    // Each login: checked, handed to the agent, then kept through our helper; the agent closed last.
    let stores = 0
    const order = core.timeline.flatMap(event => {
      if (event.what === 'check:end') return [`checked ${String(event.args[0])}`]
      if (event.what === 'handOver') return [`handOver ${String(event.args[0])}`]
      if (event.what === 'close') return ['close']
      if (event.what !== 'exec:start') return []
      expect(event.args).toEqual([`docker-credential-${HELPER_NAME}`, 'store'])
      return [`store ${(helperInput(stores++) as { ServerURL: string }).ServerURL}`]
    })
    expect(order).toHaveLength(7)
    expect(order.at(-1)).toBe('close')
    for (const host of [EU_A, US_A]) {
      const handOver = order.indexOf(`handOver ${host}`)
      expect(order.indexOf(`checked ${host}`)).toBeLessThan(handOver)
      expect(order[handOver + 1]).toBe(`store ${host}`)
    }
    // No password in config.json: our helper holds them.
    expect(dockerConfig()).toEqual({
      credHelpers: { [EU_A]: HELPER_NAME, [US_A]: HELPER_NAME },
      auths: { [EU_A]: {}, [US_A]: {} }
    })
    expect(core.outputs()).toEqual({
      registries: `${EU_A},${US_A}`,
      [`docker_username_${ACCOUNT}_dkr_ecr_eu_west_1_amazonaws_com`]: 'AWS',
      [`docker_username_${ACCOUNT}_dkr_ecr_us_east_1_amazonaws_com`]: 'AWS',
      'expires-at': EXPIRES.toISOString()
    })
    expect(core.printed().filter(line => line.includes('docker_password_* outputs are not set'))).toHaveLength(1)
  })

  it('a login the agent could not take is a failure of that host, and it is not kept', async () => {
    vi.mocked(startCredentialAgent).mockReturnValue({
      handOver: vi.fn(() =>
        Promise.reject(new Error('credential-helper: the credential agent ended (exit code 1) before it listened.'))
      ),
      close: vi.fn()
    })
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT, 'credential-helper': 'true' })
    await run()
    expect(failedWith()).toBe('credential-helper: the credential agent ended (exit code 1) before it listened.')
    expect(checkedHosts()).toEqual([EU_A])
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(kept()).toEqual([])
  })
})

describe('run: failures', () => {
  it('still logs in to the other groups when one ECR call fails, and names what failed and what succeeded', async () => {
    ecr.reset()
    ecr.on(GetAuthorizationTokenCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'us-east-1') {
        throw awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: ecr:GetAuthorizationToken'
        )
      }
      return { authorizationData: [{ authorizationToken: tokenFor(EU_A), proxyEndpoint: `https://${EU_A}` }] }
    })
    stubInputs({ registries: `${US_A},${EU_A}` })
    await run()
    expect(checkedHosts()).toEqual([EU_A])
    expect(kept()).toEqual([EU_A])
    expect(failedWith()).toBe(
      'ECR GetAuthorizationToken in us-east-1 was refused (AccessDeniedException: User: ' +
        'arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: ecr:GetAuthorizationToken). ' +
        `Grant the principal named there 'ecr:GetAuthorizationToken' on Resource "*" in an identity-based policy. ` +
        `Not logged in to 123456789012.dkr.ecr.us-east-1.amazonaws.com.\n` +
        `Logged in to ${EU_A}; the post step logs out of them.`
    )
    expect(core.outputs()).toMatchObject({ registry: EU_A, registries: EU_A })
  })

  it('still logs in to the other hosts when a registry refuses one, and names it and those that succeeded', async () => {
    answerChecks(({ host }) => {
      if (host === EU_B) throw refusal(EU_B)
    })
    stubInputs({ registries: `${EU_A},${EU_B},${US_A}` })
    await run()
    // A refusal is not retried.
    expect([...checkedHosts()].sort()).toEqual([EU_A, EU_B, US_A].sort())
    const [problem, succeeded, ...rest] = failedWith().split('\n')
    expect(problem).toBe(
      `${EU_B} refused the login (GET /v2/ answered HTTP 401: UNAUTHORIZED: authentication required). The registry ` +
        `refused the credentials ECR issued: check that ${EU_B} is the registry you mean and that its account lets ` +
        'this principal in.'
    )
    expect(succeeded).toBe(`Logged in to ${EU_A}, ${US_A}; the post step logs out of them.`)
    expect(rest).toEqual([])
    // Nothing kept for the refused host, nor left for the post step to log out of.
    expect(kept().sort()).toEqual([EU_A, US_A].sort())
    expect(JSON.parse(core.getState('registries')) as string[]).not.toContain(EU_B)
    expect(core.outputs().registries).toBe(`${EU_A},${US_A}`)
    expect(core.outputs()).not.toHaveProperty('docker_password_210987654321_dkr_ecr_eu_west_1_amazonaws_com')
  })

  it('lists every failure when several registries fail and none succeeds', async () => {
    answerChecks(({ host }) => {
      throw refusal(host, `DENIED: not allowed to ${host}`)
    })
    stubInputs({ registries: `${EU_A},${US_A}` })
    await run()
    const message = failedWith()
    expect(message.split('\n')[0]).toBe('Could not log in to every registry:')
    const problems = message.split('\n').slice(1).sort()
    expect(problems).toHaveLength(2)
    expect(problems[0]).toContain(
      `- ${EU_A} refused the login (GET /v2/ answered HTTP 401: DENIED: not allowed to ${EU_A})`
    )
    expect(problems[1]).toContain(
      `- ${US_A} refused the login (GET /v2/ answered HTTP 401: DENIED: not allowed to ${US_A})`
    )
    expect(message).not.toContain('Logged in to')
    expect(core.outputs()).toEqual({ registries: '' })
    expect(kept()).toEqual([])
    expect(core.getState('registries')).toBe('')
  })

  it('fails before fetching credentials when neither docker nor podman is on PATH', async () => {
    const empty = exec.makeDockerDir(false)
    try {
      vi.stubEnv('PATH', empty.dir)
      stubInputs({ registries: EU_A })
      await run()
    } finally {
      empty.remove()
    }
    expect(failedWith()).toBe(noClientHelp())
    expect(ecr.calls()).toHaveLength(0)
    expect(core.setSecret).not.toHaveBeenCalled()
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(checkLogin).not.toHaveBeenCalled()
  })

  it('logs in with podman into its auth file on a runner without docker, lets podman check it, and tells post', async () => {
    const podman = exec.makeToolDir('podman')
    try {
      vi.stubEnv('PATH', podman.dir)
      vi.stubEnv('REGISTRY_AUTH_FILE', '/run/user/1001/containers/auth.json')
      stubInputs({ registries: EU_A })
      await run()
    } finally {
      podman.remove()
    }
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith(
      'podman',
      ['login', '--authfile', '/run/user/1001/containers/auth.json', '--username', 'AWS', '--password-stdin', EU_A],
      expect.objectContaining({ input: Buffer.from(passwordFor(EU_A)) })
    )
    // podman login checks the login with the registry itself: the step does not, nor connects to it ahead.
    expect(checkLogin).not.toHaveBeenCalled()
    expect(vi.mocked(preconnect).mock.calls[0][1]).not.toContainEqual({ host: EU_A, port: 443 })
    expect(kept()).toEqual([])
    expect(JSON.parse(core.getState('login-target'))).toEqual({
      client: 'podman',
      authFile: '/run/user/1001/containers/auth.json'
    })
  })

  it.each([
    ['DOCKER_CONFIG', (home: string) => ({ DOCKER_CONFIG: join(home, '.docker-ci') }), '.docker-ci'],
    // USERPROFILE on Windows.
    ['the home directory', (home: string) => ({ DOCKER_CONFIG: undefined, HOME: home, USERPROFILE: home }), '.docker']
  ])('by default, logs in to the docker config %s names, and tells post which', async (_label, vars, folder) => {
    const home = mkdtempSync(join(tmpdir(), 'main-test-home-'))
    try {
      for (const [name, value] of Object.entries(vars(home))) vi.stubEnv(name, value)
      stubInputs({ registries: EU_A })
      await run()
      expect(core.setFailed).not.toHaveBeenCalled()
      const dir = join(home, folder)
      expect(dockerConfig(dir)).toEqual({ auths: { [EU_A]: { auth: authFor(EU_A) } } })
      expect(kept()).toEqual([])
      expect(JSON.parse(core.getState('login-target'))).toEqual({ client: 'docker', dockerConfig: dir })
      expect(core.exportVariable).not.toHaveBeenCalled()
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it('with docker-config job, logs in to a private config exported to later steps, and tells post', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'main-test-'))
    try {
      const user = join(temp, 'user')
      mkdirSync(user)
      writeFileSync(join(user, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: 'dXNlcjp0b2tlbg==' } } }))
      vi.stubEnv('RUNNER_TEMP', temp)
      vi.stubEnv('DOCKER_CONFIG', user)
      stubInputs({ registries: EU_A, 'docker-config': 'job' })
      await run()
      expect(core.setFailed).not.toHaveBeenCalled()
      const jobDir = String(core.exportVariable.mock.calls[0]?.[1])
      expect(core.exportVariable).toHaveBeenCalledExactlyOnceWith('DOCKER_CONFIG', jobDir)
      expect(jobDir.startsWith(join(temp, 'ecr-login-'))).toBe(true)
      // The job's copy holds the user's logins and this one; the user's config is left as it was.
      expect(dockerConfig(jobDir).auths).toEqual({
        'ghcr.io': { auth: 'dXNlcjp0b2tlbg==' },
        [EU_A]: { auth: authFor(EU_A) }
      })
      expect(kept(user)).toEqual(['ghcr.io'])
      expect(JSON.parse(core.getState('login-target'))).toEqual({ client: 'docker', dockerConfig: jobDir, jobDir })
      // Saved before credentials were fetched: a main step failing later still has its directory removed.
      const saved = core.indexOf(event => event.what === 'saveState' && event.args[0] === 'login-target')
      expect(saved).toBeLessThan(core.indexOf(event => event.what === 'setSecret'))
    } finally {
      rmSync(temp, { recursive: true, force: true })
    }
  })

  it('explains how to provide credentials when there are none', async () => {
    stubNoAmbientCredentials()
    stubInputs({ registries: EU_A })
    await run()
    expect(failedWith()).toBe(NO_CREDENTIALS_HELP)
    expect(ecr.calls()).toHaveLength(0)
    expect(core.saveState.mock.calls.map(([name]) => name)).toEqual(['login-target'])
  })

  it('explains id-token: write when role-to-assume is set but the job has no OIDC token', async () => {
    stubInputs({ registries: EU_A, 'role-to-assume': 'arn:aws:iam::123456789012:role/ci' })
    await run()
    expect(failedWith()).toBe(MISSING_TOKEN_HELP)
    expect(sts.calls()).toHaveLength(0)
    expect(ecr.calls()).toHaveLength(0)
  })

  it('points at the trust policy with the token claims when STS denies the role', async () => {
    const jwt = fakeJwt(GITHUB_CLAIMS)
    const server = await startTokenServer(() => tokenAnswer(jwt))
    try {
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
      vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'request-token')
      sts
        .on(AssumeRoleWithWebIdentityCommand)
        .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403))
      stubInputs({ registries: EU_A, 'role-to-assume': 'arn:aws:iam::123456789012:role/ci' })
      await run()
    } finally {
      await server.close()
    }
    const message = failedWith()
    expect(message).toContain("Check the role's trust policy")
    expect(message).toContain('sub=repo:octo-org/app:ref:refs/heads/main, aud=sts.amazonaws.com')
    expect(message).not.toContain(jwt)
    expect(ecr.calls()).toHaveLength(0)
  })

  it('names the bad input and runs nothing', async () => {
    stubInputs({ registries: EU_A, 'retry-max-attempts': '0' })
    await run()
    expect(failedWith()).toBe("retry-max-attempts: '0' is not a whole number from 1 to 20.")
    expect(ecr.calls()).toHaveLength(0)
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(checkLogin).not.toHaveBeenCalled()
  })

  it('names the checks it was waiting for when timeout-seconds passes, stops them, keeps nothing after, and ends the process', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    // The deadline's clock (AbortSignal.timeout), run by the test: it passes once both checks are in flight.
    const timeout = new AbortController()
    const clock = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(timeout.signal)
    answerChecks(stalledChecks())
    stubInputs({ registries: [EU_A, EU_B].join(','), 'timeout-seconds': '1' })
    const running = run()
    await vi.waitFor(() => expect(core.timeline.filter(event => event.what === 'check:asked')).toHaveLength(2), {
      interval: 1,
      timeout: 2000
    })
    expect(clock).toHaveBeenCalledWith(1000)
    timeout.abort(new DOMException('timed out', 'TimeoutError'))
    await running
    expect(failedWith()).toBe(
      `Timed out after 1 s (timeout-seconds) while waiting for ECR registry ${EU_A}, ECR registry ${EU_B}. ` +
        `Check the network path to it, or raise 'timeout-seconds'.`
    )
    // Both checks were told to stop, and had ended when run returned.
    expect(checkLogin.mock.calls.map(([, , signal]) => signal.aborted)).toEqual([true, true])
    expect(core.timeline.filter(event => event.what === 'check:end')).toHaveLength(2)
    expect(exec.processesSettled).toHaveBeenCalled()
    await new Promise(resolve => setTimeout(resolve, 250))
    expect(exit).toHaveBeenCalledTimes(1)
    // Nothing began after the deadline, not even later: no check, no login kept or announced to the post step.
    expect(checkedHosts()).toEqual([EU_A, EU_B])
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(existsSync(join(dockerDir, 'config.json'))).toBe(false)
    expect(core.getState('registries')).toBe('')
    expect(core.printed().filter(line => line.startsWith('Logged in to'))).toEqual([])
    // The connections opened ahead close with the deadline (preconnect listens to its signal), and at the end.
    expect(vi.mocked(preconnect).mock.calls[0][2].aborted).toBe(true)
    expect(preconnected.close).toHaveBeenCalled()
  })

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'when the run is cancelled (%s), stops the checks in flight, keeps nothing and fails naming them',
    async signal => {
      vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
      const listeners = process.listenerCount(signal)
      answerChecks(stalledChecks())
      stubInputs({ registries: [EU_A, EU_B].join(',') })
      const running = run()
      await vi.waitFor(() => expect(core.timeline.filter(event => event.what === 'check:asked')).toHaveLength(2), {
        interval: 1,
        timeout: 2000
      })
      process.emit(signal, signal)
      await running
      expect(failedWith()).toBe(
        `The run was cancelled (${signal}) while waiting for ECR registry ${EU_A}, ECR registry ${EU_B}.`
      )
      expect(checkLogin.mock.calls.map(([, , given]) => given.aborted)).toEqual([true, true])
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(checkedHosts()).toEqual([EU_A, EU_B])
      expect(existsSync(join(dockerDir, 'config.json'))).toBe(false)
      expect(core.getState('registries')).toBe('')
      expect(process.listenerCount(signal)).toBe(listeners)
    }
  )
})

/**
 * Two registries that keep the step waiting: EU_A never answers (its check ends when its signal
 * aborts, as the real request does); EU_B accepts the login just as the step gives up, which must
 * not keep it.
 */
function stalledChecks(): Parameters<typeof answerChecks>[0] {
  return async (credentials, signal) => {
    core.timeline.push({ what: 'check:asked', args: [credentials.host] })
    if (credentials.host === EU_A) return stallUntilAborted(credentials, signal)
    await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
  }
}
