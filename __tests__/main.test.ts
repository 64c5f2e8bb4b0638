import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicTokenCommand } from '@aws-sdk/client-ecr-public'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
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
import { startTokenServer, tokenAnswer } from './fixtures/token-server.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))
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

/** The hosts docker logged in to, in order. */
function dockerLogins(): string[] {
  return exec.runProcess.mock.calls.filter(([, args]) => args?.[0] === 'login').map(([, args]) => args?.at(-1) ?? '')
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
  // Whatever happened, no secret reached the log or docker's command line, and docker ran under the deadline.
  for (const line of core.printed()) {
    for (const secret of [...issued, ENV_CREDENTIALS.secretAccessKey, ENV_CREDENTIALS.sessionToken]) {
      expect(line).not.toContain(secret)
    }
  }
  for (const [, args, options] of exec.runProcess.mock.calls) {
    for (const secret of issued) expect(args?.join(' ')).not.toContain(secret)
    expect(options?.signal).toBeInstanceOf(AbortSignal)
  }
  vi.useRealTimers()
})

describe('run: logging in', () => {
  it('logs in to one registry with the password on stdin and sets its outputs', async () => {
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith(
      'docker',
      ['login', '--username', 'AWS', '--password-stdin', EU_A],
      expect.objectContaining({ input: Buffer.from(passwordFor(EU_A)), signal: expect.any(AbortSignal) as AbortSignal })
    )
    expect(exec.stdinOf(0)).toBe(passwordFor(EU_A))
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
    expect(dockerLogins()).toEqual([EU_A])
    expect(core.outputs()).toMatchObject({ registry: EU_A, registries: EU_A })
  })

  it('masks the token and the password before printing or running anything, and never the user name', async () => {
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT })
    await run()
    const token = tokenFor(EU_A)
    const maskedToken = core.indexOf(event => event.what === 'setSecret' && event.args[0] === token)
    const maskedPassword = core.indexOf(event => event.what === 'setSecret' && event.args[0] === passwordFor(EU_A))
    const afterEcr = core.timeline.slice(maskedToken + 1)
    expect(maskedToken).toBeGreaterThanOrEqual(0)
    expect(maskedPassword).toBe(maskedToken + 1)
    expect(afterEcr.findIndex(event => event.what === 'exec:start')).toBeGreaterThan(0)
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
    expect([...dockerLogins()].sort()).toEqual([EU_A, EU_B, PUBLIC, US_A].sort())
    for (const host of [EU_A, EU_B, US_A, PUBLIC]) {
      const call = exec.runProcess.mock.calls.find(([, args]) => args?.at(-1) === host)
      expect(call?.[2]?.input?.toString()).toBe(passwordFor(host))
    }
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

  it('runs one docker login at a time, never two at once', async () => {
    stubInputs({ registries: [EU_A, EU_B, US_A, PUBLIC].join(',') })
    await run()
    const docker = core.timeline.filter(event => event.what.startsWith('exec:')).map(event => event.what)
    expect(docker).toEqual([
      'exec:start',
      'exec:end',
      'exec:start',
      'exec:end',
      'exec:start',
      'exec:end',
      'exec:start',
      'exec:end'
    ])
  })

  it('saves each host for the post step before its docker login starts', async () => {
    stubInputs({ registries: [EU_A, US_A, PUBLIC].join(',') })
    await run()
    const starts = core.timeline.flatMap((event, index) => (event.what === 'exec:start' ? [index] : []))
    expect(starts).toHaveLength(3)
    for (const start of starts) {
      const host = String(core.timeline[start].args.at(-1))
      const saves = core.timeline
        .slice(0, start)
        .filter(event => event.what === 'saveState' && event.args[0] === 'registries')
      const last = saves.at(-1)
      expect(last?.args[0]).toBe('registries')
      expect(JSON.parse(String(last?.args[1]))).toContain(host)
    }
    const saved = core.saveState.mock.calls.filter(([name]) => name === 'registries')
    expect(JSON.parse(String(saved[0][1]))).toEqual([dockerLogins()[0]])
    expect(JSON.parse(String(saved.at(-1)?.[1]))).toEqual(dockerLogins())
    expect(core.saveState).toHaveBeenCalledWith('logout-timeout-seconds', '120')
  })

  it.each([[{ logout: 'false' }], [{ 'skip-logout': 'true' }]])(
    'saves no registries to log out of with %j, only where it logged in',
    async given => {
      stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT, ...given })
      await run()
      expect(dockerLogins()).toEqual([EU_A])
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

  it('retries a docker login that hit a registry hiccup, before the next login starts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    let failures = 0
    exec.answerDocker(args =>
      args.at(-1) === EU_A && failures++ === 0
        ? {
            exitCode: 1,
            stderr: 'Error response from daemon: received unexpected HTTP status: 503 Service Unavailable'
          }
        : { exitCode: 0, stdout: 'Login Succeeded' }
    )
    stubInputs({ registries: `${EU_A},${EU_B}` })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(dockerLogins()).toEqual([EU_A, EU_A, EU_B])
    expect(core.info).toHaveBeenCalledWith(
      `docker login to ${EU_A} failed (docker login to ${EU_A}: Error response from daemon: received unexpected ` +
        'HTTP status: 503 Service Unavailable); retrying in 0.0 s (attempt 2 of 5)'
    )
  })

  it('routes docker through the proxy input and masks the proxy password before printing the proxy', async () => {
    vi.stubEnv('NO_PROXY', '169.254.169.254')
    stubInputs({ registries: EU_A, 'http-proxy': 'http://ci:pr0xy-pa55@proxy.internal:3128' })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const masked = core.indexOf(event => event.what === 'setSecret' && event.args[0] === 'pr0xy-pa55')
    const shown = core.indexOf(
      event =>
        event.what === 'info' &&
        event.args[0] === 'Using proxy http://***@proxy.internal:3128 (from http-proxy); not for 169.254.169.254'
    )
    expect(core.timeline.slice(0, masked).every(event => event.what === 'setSecret')).toBe(true)
    expect(shown).toBeGreaterThan(masked)
    expect(core.printed().join('\n')).not.toContain('pr0xy-pa55')
    const env = exec.runProcess.mock.calls[0][2]?.env
    expect(env).toMatchObject({
      HTTPS_PROXY: 'http://ci:pr0xy-pa55@proxy.internal:3128',
      https_proxy: 'http://ci:pr0xy-pa55@proxy.internal:3128',
      HTTP_PROXY: 'http://ci:pr0xy-pa55@proxy.internal:3128',
      http_proxy: 'http://ci:pr0xy-pa55@proxy.internal:3128',
      NO_PROXY: '169.254.169.254',
      no_proxy: '169.254.169.254',
      PATH: docker.dir
    })
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
    expect(dockerLogins()).toEqual([EU_A])
    for (const line of core.printed()) expect(line).not.toContain(jwt)
  })

  it('opens the API connections it will use before its first call, and closes any left unused at the end', async () => {
    vi.stubEnv('AWS_CONFIG_FILE', join(tmpdir(), 'ecr-login-no-such-config'))
    stubInputs({ registries: [EU_A, US_A, EU_B].join(',') })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(preconnect).toHaveBeenCalledOnce()
    const [, targets, signal] = vi.mocked(preconnect).mock.calls[0]
    expect(targets).toEqual([
      { host: 'api.ecr.eu-west-1.amazonaws.com', port: 443 },
      { host: 'api.ecr.us-east-1.amazonaws.com', port: 443 }
    ])
    expect(signal).toBeInstanceOf(AbortSignal)
    expect(preconnected.close).toHaveBeenCalledOnce()
    expect(vi.mocked(preconnect).mock.invocationCallOrder[0]).toBeLessThan(exec.runProcess.mock.invocationCallOrder[0])
  })
})

describe('run: credential-helper', () => {
  it('starts the agent, hands it each login before its docker login, and sets no password output', async () => {
    const agent = {
      handOver: vi.fn((login: { host: string }) => {
        core.timeline.push({ what: 'handOver', args: [login.host] })
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
    const order = core.timeline
      .filter(event => ['handOver', 'close', 'exec:start'].includes(event.what))
      .map(event => [event.what, ...event.args.slice(-1).map(String)].join(' '))
    expect(order).toEqual([`handOver ${EU_A}`, `exec:start ${EU_A}`, `handOver ${US_A}`, `exec:start ${US_A}`, 'close'])
    expect(core.outputs()).toEqual({
      registries: `${EU_A},${US_A}`,
      [`docker_username_${ACCOUNT}_dkr_ecr_eu_west_1_amazonaws_com`]: 'AWS',
      [`docker_username_${ACCOUNT}_dkr_ecr_us_east_1_amazonaws_com`]: 'AWS',
      'expires-at': EXPIRES.toISOString()
    })
    expect(core.printed().filter(line => line.includes('docker_password_* outputs are not set'))).toHaveLength(1)
  })

  it('a login the agent could not take is a failure of that host, and no docker login runs for it', async () => {
    vi.mocked(startCredentialAgent).mockReturnValue({
      handOver: vi.fn(() =>
        Promise.reject(new Error('credential-helper: the credential agent ended (exit code 1) before it listened.'))
      ),
      close: vi.fn()
    })
    stubInputs({ 'aws-region': 'eu-west-1', registries: ACCOUNT, 'credential-helper': 'true' })
    await run()
    expect(failedWith()).toBe('credential-helper: the credential agent ended (exit code 1) before it listened.')
    expect(dockerLogins()).toEqual([])
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
    expect(dockerLogins()).toEqual([EU_A])
    expect(failedWith()).toBe(
      'ECR GetAuthorizationToken in us-east-1 was refused (AccessDeniedException: User: ' +
        'arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: ecr:GetAuthorizationToken). ' +
        `Grant the principal named there 'ecr:GetAuthorizationToken' on Resource "*" in an identity-based policy. ` +
        `Not logged in to 123456789012.dkr.ecr.us-east-1.amazonaws.com.\n` +
        `Logged in to ${EU_A}; the post step logs out of them.`
    )
    expect(core.outputs()).toMatchObject({ registry: EU_A, registries: EU_A })
  })

  it('still logs in to the other hosts when docker rejects one, and names it and those that succeeded', async () => {
    exec.answerDocker(args =>
      args.at(-1) === EU_B
        ? {
            exitCode: 1,
            stderr: `Error response from daemon: Get "https://${EU_B}/v2/": unauthorized: authentication required\n`
          }
        : { exitCode: 0, stdout: 'Login Succeeded' }
    )
    stubInputs({ registries: `${EU_A},${EU_B},${US_A}` })
    await run()
    expect([...dockerLogins()].sort()).toEqual([EU_A, EU_B, US_A].sort())
    const [problem, succeeded, ...rest] = failedWith().split('\n')
    expect(problem).toContain(
      `docker login to ${EU_B} was rejected: Error response from daemon: Get "https://${EU_B}/v2/": ` +
        'unauthorized: authentication required'
    )
    expect(succeeded).toBe(`Logged in to ${EU_A}, ${US_A}; the post step logs out of them.`)
    expect(rest).toEqual([])
    expect(core.outputs().registries).toBe(`${EU_A},${US_A}`)
    expect(core.outputs()).not.toHaveProperty('docker_password_210987654321_dkr_ecr_eu_west_1_amazonaws_com')
  })

  it('lists every failure when several registries fail and none succeeds', async () => {
    exec.answerDocker(args => ({ exitCode: 1, stderr: `denied: not allowed to ${args.at(-1)}` }))
    stubInputs({ registries: `${EU_A},${US_A}` })
    await run()
    const message = failedWith()
    expect(message.split('\n')[0]).toBe('Could not log in to every registry:')
    const problems = message.split('\n').slice(1).sort()
    expect(problems).toHaveLength(2)
    expect(problems[0]).toContain(`- docker login to ${EU_A} was rejected: denied: not allowed to ${EU_A}`)
    expect(problems[1]).toContain(`- docker login to ${US_A} was rejected: denied: not allowed to ${US_A}`)
    expect(message).not.toContain('Logged in to')
    expect(core.outputs()).toEqual({ registries: '' })
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
  })

  it('logs in with podman into its auth file on a runner without docker, and tells post', async () => {
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
    expect(JSON.parse(core.getState('login-target'))).toEqual({
      client: 'podman',
      authFile: '/run/user/1001/containers/auth.json'
    })
  })

  it.each([
    ['DOCKER_CONFIG', { DOCKER_CONFIG: '/home/runner/.docker-ci', HOME: '/home/runner' }, '/home/runner/.docker-ci'],
    // USERPROFILE on Windows.
    [
      'the home directory',
      { DOCKER_CONFIG: undefined, HOME: '/home/runner', USERPROFILE: '/home/runner' },
      join('/home/runner', '.docker')
    ]
  ])('by default, logs in to the docker config %s names, and tells post which', async (_label, vars, dir) => {
    for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value)
    stubInputs({ registries: EU_A })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(exec.runProcess.mock.calls[0][2]?.env?.DOCKER_CONFIG).toBe(dir)
    expect(JSON.parse(core.getState('login-target'))).toEqual({ client: 'docker', dockerConfig: dir })
    expect(core.exportVariable).not.toHaveBeenCalled()
  })

  it('with docker-config job, logs in to a private config exported to later steps, and tells post', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'main-test-'))
    try {
      vi.stubEnv('RUNNER_TEMP', temp)
      vi.stubEnv('DOCKER_CONFIG', join(temp, 'user'))
      stubInputs({ registries: EU_A, 'docker-config': 'job' })
      await run()
      expect(core.setFailed).not.toHaveBeenCalled()
      const jobDir = String(core.exportVariable.mock.calls[0]?.[1])
      expect(core.exportVariable).toHaveBeenCalledExactlyOnceWith('DOCKER_CONFIG', jobDir)
      expect(jobDir.startsWith(join(temp, 'ecr-login-'))).toBe(true)
      expect(exec.runProcess.mock.calls[0][2]?.env?.DOCKER_CONFIG).toBe(jobDir)
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
  })

  it('names the docker login it was waiting for when timeout-seconds passes, starts nothing after, and ends the process', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    // The deadline's clock (AbortSignal.timeout), run by the test: it passes once docker has started.
    const timeout = new AbortController()
    const clock = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(timeout.signal)
    exec.answerDocker(hangUntilAborted)
    stubInputs({ registries: [EU_A, US_A].join(','), 'timeout-seconds': '1' })
    const running = run()
    await vi.waitFor(() => expect(exec.runProcess).toHaveBeenCalled(), { interval: 1, timeout: 2000 })
    expect(clock).toHaveBeenCalledWith(1000)
    timeout.abort(new DOMException('timed out', 'TimeoutError'))
    await running
    expect(failedWith()).toBe(
      `Timed out after 1 s (timeout-seconds) while waiting for docker login to ${EU_A}. Check the network path ` +
        `to it, or raise 'timeout-seconds'.`
    )
    // The login queued behind the stalled one never started; main waited for the stalled one to die.
    expect(dockerLogins()).toEqual([EU_A])
    // When run returned, the stalled docker run had ended.
    expect(core.timeline.filter(event => event.what === 'exec:end')).toHaveLength(1)
    expect(exec.processesSettled).toHaveBeenCalled()
    await new Promise(resolve => setTimeout(resolve, 250))
    expect(exit).toHaveBeenCalledTimes(1)
    // The queued login never began, not even later: it was not announced to the post step.
    expect(dockerLogins()).toEqual([EU_A])
    expect(JSON.parse(String(core.getState('registries')))).toEqual([EU_A])
    // The connections opened ahead close with the deadline (preconnect listens to its signal), and at the end.
    expect(vi.mocked(preconnect).mock.calls[0][2].aborted).toBe(true)
    expect(preconnected.close).toHaveBeenCalled()
  })

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'when the run is cancelled (%s), stops the docker login in flight, starts no other and fails naming it',
    async signal => {
      vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
      const listeners = process.listenerCount(signal)
      exec.answerDocker(hangUntilAborted)
      stubInputs({ registries: [EU_A, US_A].join(',') })
      const running = run()
      await vi.waitFor(() => expect(exec.runProcess).toHaveBeenCalled(), { interval: 1, timeout: 2000 })
      process.emit(signal, signal)
      await running
      expect(failedWith()).toBe(`The run was cancelled (${signal}) while waiting for docker login to ${EU_A}.`)
      expect(dockerLogins()).toEqual([EU_A])
      expect(process.listenerCount(signal)).toBe(listeners)
    }
  )
})

/** A docker run that never answers: it ends only when its signal aborts, as the real one is killed. */
function hangUntilAborted(_args: string[], options: { signal: AbortSignal } | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (options?.signal.aborted) reject(options.signal.reason as Error)
    options?.signal.addEventListener('abort', () => reject(options.signal.reason as Error), { once: true })
  })
}
