// A property of the whole step, main then post (src/main.ts and src/post.ts run()), with the real
// @actions/core writing to a captured stdout as on a runner (GITHUB_OUTPUT, GITHUB_STATE and
// GITHUB_ENV are files, so outputs and state are file commands, not `::set-output`): whatever
// the inputs and the answers of GitHub's token service, STS, ECR, the registry, docker's credential
// store and docker hold (line breaks, `::` commands, `%0A`, `\r`, `##[`, the runner's own command
// names), every line the step writes that the runner would read as a command is one the action
// issues itself, and no secret is on any line in any encoding. Only the processes (src/process.ts),
// the registry's login check (src/registry-check.ts, whose refusals here quote the registry raw)
// and the AWS clients are fakes; the token service is a real HTTP server on 127.0.0.1.
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import fc from 'fast-check'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as exec from './fixtures/process.js'
import { answerChecks, refusal, resetChecks } from './fixtures/registry.js'
import { TransientError } from '../src/errors.js'
import { INPUT_NAMES, type InputName } from '../src/inputs.js'
import { findControlCharacter } from '../src/log-text.js'
import { run as runMain } from '../src/main.js'
import { run as runPost } from '../src/post.js'
import { ACCOUNT, awsError, ecrToken, ENV_CREDENTIALS, fakeJwt, stsError, stubEnvCredentials } from './fixtures/aws.js'
import { foreignCommand, leakIn } from './fixtures/log-lines.js'
import { startTokenServer, type TokenAnswer, tokenAnswer, type TokenServer } from './fixtures/token-server.js'

vi.mock('../src/process.js', () => import('./fixtures/process.js'))
vi.mock('../src/registry-check.js', () => import('./fixtures/registry.js'))

const ecr = mockClient(ECRClient)
const sts = mockClient(STSClient)
const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const ROLE = 'arn:aws:iam::123456789012:role/ci'

// ------------------------------------------------------------------------------------------------
// What the inputs and the answers may hold

const COMMANDS = [
  '::add-mask::',
  '::stop-commands::pwn',
  '::set-output name=registry::evil.example',
  '::save-state name=registries::["evil.example"]',
  '::set-env name=NODE_OPTIONS::--require=/tmp/x',
  '::add-path::/tmp',
  '::error::fake failure',
  '::warning file=a.js::fake',
  '::notice::fake',
  '::debug::x',
  '::group::g',
  '::endgroup::',
  '::pwn::'
]
const BREAKS = ['\n', '\r', '\r\n', '\n  ', '%0A', '%0D', '%250A', '\u2028', '\u0085', '\t', '\u001b[2K', '']
const injection = fc.oneof(
  fc.tuple(fc.constantFrom(...BREAKS), fc.constantFrom(...COMMANDS)).map(([lineBreak, command]) => lineBreak + command),
  fc.constantFrom('##[stop-commands]pwn', '##[add-mask]x', '##[error]fake', 'x ##[set-output name=a;]b'),
  fc.string({ unit: fc.constantFrom(':', '#', '[', ']', '\n', '\r', '%', '0', 'A', 'a', ' ', '\u2028'), maxLength: 12 })
)
/** A value as expected, or one with an injection after (or instead of) it; `clean` weighs the first. */
const poisoned = (value: string, clean = 2): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: clean, arbitrary: fc.constant(value) },
    { weight: 3, arbitrary: injection.map(text => `${value}${text}`) },
    { weight: 1, arbitrary: injection }
  )
// An injected input is refused before anything else runs: rarer, so that most runs go further.
const input = (value: string): fc.Arbitrary<string> => poisoned(value, 24)

// Secrets: long and random, so that any form of one on a line is a leak, never a coincidence.
const secret = (prefix: string): fc.Arbitrary<string> =>
  fc.stringMatching(/^[A-Za-z0-9]{16}$/).map(random => `${prefix}${random}`)

const scenario = fc.record({
  oidc: fc.boolean(),
  // DOCKER_CONFIG: the step names it in log lines (a folder name may hold a line break).
  dockerDir: poisoned('docker'),
  inputs: fc.record({
    'aws-region': input('eu-west-1'),
    audience: input('sts.amazonaws.com'),
    registries: fc.oneof(fc.constant(''), input(HOST)),
    'role-session-name': fc.oneof(fc.constant(''), input('ci-session')),
    'retry-max-attempts': fc.constant('2'),
    'timeout-seconds': fc.constant('10')
  }),
  // The http-proxy input with a token as its user name alone, and NO_PROXY (printed) after the loopback.
  proxy: fc.option(fc.record({ token: secret('dG9rZW4+'), bypass: poisoned('', 1) }), { nil: undefined }),
  claims: fc.record({ sub: poisoned('repo:octo-org/app:ref:refs/heads/main'), aud: poisoned('sts.amazonaws.com') }),
  oidcAnswer: fc.constantFrom('token', 'token', 'token', 'not JSON'),
  oidcGarbage: injection,
  sts: fc.oneof(
    fc.record({ kind: fc.constant('ok' as const), arn: poisoned('arn:aws:sts::123456789012:assumed-role/ci/s') }),
    fc.record({
      kind: fc.constant('refused' as const),
      code: fc.constantFrom('AccessDenied', 'InvalidIdentityToken', 'ValidationError', 'SomethingElse'),
      message: poisoned('Not authorized')
    })
  ),
  ecr: fc.oneof(
    fc.record({
      kind: fc.constant('ok' as const),
      endpoint: poisoned(`https://${HOST}`),
      username: poisoned('AWS')
    }),
    fc.record({
      kind: fc.constant('refused' as const),
      name: fc.constantFrom('AccessDeniedException', 'InvalidParameterException', 'ServerException'),
      message: poisoned('User: arn:aws:sts::123456789012:assumed-role/ci/s is not authorized')
    })
  ),
  // The registry's answer to the login check; its words quoted as it wrote them.
  check: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('accepted' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('refused' as const), says: poisoned('UNAUTHORIZED') }) },
    // Worth a retry: quoted in the info line that says so.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('hiccup' as const), says: poisoned('HTTP 503') }) }
  ),
  // config.json names a credential store, whose helper keeps the login and answers in its own words.
  store: fc.option(
    fc.record({
      exitCode: fc.constantFrom(0, 0, 1),
      stdout: fc.oneof(poisoned(''), poisoned('error storing credentials - err: exit status 1, out: `locked`'))
    }),
    { nil: undefined }
  ),
  logout: fc.record({
    exitCode: fc.constantFrom(0, 0, 1),
    stdout: fc.oneof(poisoned(`Removing login credentials for ${HOST}`), poisoned(`Not logged in to ${HOST}`)),
    stderr: poisoned('')
  }),
  secrets: fc.record({
    ecrPassword: secret('ecr-password-'),
    stsSecret: secret('sts-secret-'),
    stsSession: secret('sts-session-'),
    requestToken: secret('request-token-')
  })
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

// ------------------------------------------------------------------------------------------------
// The runner's side: files for file commands, state for post, the captured output

let docker: ReturnType<typeof exec.makeDockerDir>
let server: TokenServer
let answer: () => TokenAnswer = () => ({ status: 500, body: '' })

beforeAll(async () => {
  docker = exec.makeDockerDir()
  server = await startTokenServer(() => answer())
})
afterAll(async () => {
  docker.remove()
  await server.close()
  vi.unstubAllEnvs()
})

/** The `name<<delimiter` file commands @actions/core wrote, as the runner reads them. */
function fileCommands(file: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = readFileSync(file, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (!heredoc) continue
    const body: string[] = []
    while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i])
    values[heredoc[1]] = body.join('\n')
  }
  return values
}

/** Runs `step` with stdout and stderr captured; returns what it wrote, as the runner splits lines. */
async function captured(step: () => Promise<void>): Promise<string[]> {
  const chunks: string[] = []
  const record = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    return true
  }
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(record)
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(record)
  const exitCode = process.exitCode
  try {
    await step()
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
    process.exitCode = exitCode
  }
  return chunks.join('').split(/\r\n|\r|\n/)
}

function arrange(given: Scenario, dir: string): Record<string, string> {
  exec.resetExec()
  resetChecks()
  ecr.reset()
  sts.reset()
  vi.unstubAllEnvs()
  stubEnvCredentials()
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']) {
    vi.stubEnv(name, undefined)
  }
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'RUNNER_DEBUG']) vi.stubEnv(name, undefined)
  vi.stubEnv('PATH', docker.dir)
  const dockerConfig = join(dir, given.dockerDir)
  vi.stubEnv('DOCKER_CONFIG', dockerConfig)
  if (given.store) {
    mkdirSync(dockerConfig, { recursive: true })
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'desktop' }))
  }
  vi.stubEnv('RUNNER_TEMP', dir)
  for (const kind of ['OUTPUT', 'STATE', 'ENV', 'PATH']) {
    writeFileSync(join(dir, kind), '')
    vi.stubEnv(`GITHUB_${kind}`, join(dir, kind))
  }
  const { secrets } = given
  const jwt = fakeJwt({ iss: 'https://token.actions.githubusercontent.com', ...given.claims })
  const inputs: Partial<Record<InputName, string>> = { ...given.inputs }
  if (given.oidc) {
    inputs['role-to-assume'] = ROLE
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', secrets.requestToken)
  }
  if (given.proxy) {
    inputs['http-proxy'] = `http://${given.proxy.token}@proxy.invalid:3128`
    vi.stubEnv('NO_PROXY', `127.0.0.1,localhost,${given.proxy.bypass}`)
  } else {
    vi.stubEnv('NO_PROXY', undefined)
  }
  for (const name of INPUT_NAMES) vi.stubEnv(`INPUT_${name.toUpperCase()}`, inputs[name] ?? '')

  answer = () =>
    given.oidcAnswer === 'token' ? tokenAnswer(jwt) : { status: 200, body: `<html>${given.oidcGarbage}</html>` }
  if (given.sts.kind === 'ok') {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLE',
        SecretAccessKey: secrets.stsSecret,
        SessionToken: secrets.stsSession,
        Expiration: new Date('2030-01-01T00:15:00Z')
      },
      AssumedRoleUser: { Arn: given.sts.arn, AssumedRoleId: 'AROAEXAMPLE:s' }
    })
  } else {
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError(given.sts.code, given.sts.message, 403))
  }
  const token = ecrToken(secrets.ecrPassword, given.ecr.kind === 'ok' ? given.ecr.username : 'AWS')
  if (given.ecr.kind === 'ok') {
    const data = { authorizationToken: token, proxyEndpoint: given.ecr.endpoint, expiresAt: new Date('2030-01-01') }
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [data] })
  } else {
    const status = given.ecr.name === 'ServerException' ? 500 : 400
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError(given.ecr.name, given.ecr.message, status))
  }
  const { check, store } = given
  answerChecks(({ host }) => {
    if (check.kind === 'refused') throw refusal(host, check.says)
    if (check.kind === 'hiccup') throw new TransientError(`GET /v2/ answered ${check.says}`)
  })
  exec.answerDocker(args => (args[0] === 'store' ? { ...store, stderr: '' } : given.logout))

  const all: Record<string, string> = {
    'ECR password': secrets.ecrPassword,
    'ECR token': token,
    'STS secret key': secrets.stsSecret,
    'STS session token': secrets.stsSession,
    'OIDC token': jwt,
    'OIDC request token': secrets.requestToken,
    'ambient secret key': ENV_CREDENTIALS.secretAccessKey,
    'ambient session token': ENV_CREDENTIALS.sessionToken
  }
  if (given.proxy) all['proxy token'] = given.proxy.token
  return all
}

describe('the whole step, main then post, with the real @actions/core', () => {
  it('writes no command but its own, and no secret in any form, whatever the inputs and answers hold', async () => {
    // So that the property is not true for want of trying: some runs log in and out, some fail.
    const seen = { loggedIn: 0, failed: 0, loggedOut: 0 }
    await fc.assert(
      fc.asyncProperty(scenario, async given => {
        const dir = mkdtempSync(join(tmpdir(), 'ecr-login-injection-'))
        try {
          const secrets = arrange(given, dir)
          const main = await captured(runMain)
          // The post step, as the runner starts it: main's state in STATE_* variables.
          for (const [name, value] of Object.entries(fileCommands(join(dir, 'STATE')))) {
            vi.stubEnv(`STATE_${name}`, value)
          }
          const post = await captured(runPost)

          for (const [step, lines] of [
            ['main', main],
            ['post', post]
          ] as const) {
            for (const line of lines) {
              const context = `${step} wrote ${JSON.stringify(line)}`
              expect(foreignCommand(line), context).toBeUndefined()
              if (!line.startsWith('::add-mask::')) expect(leakIn(line, secrets), context).toBeUndefined()
            }
            // One failure at most, from main; post never fails.
            expect(lines.filter(line => line.startsWith('::error::')).length).toBeLessThanOrEqual(
              step === 'main' ? 1 : 0
            )
          }
          // An input with a control character is refused as such (@actions/core trims each input first).
          const refused = Object.entries(given.inputs).some(([name, value]) =>
            findControlCharacter(name === 'registries' ? value.trim().replace(/[\n\r\t]/g, '') : value.trim())
          )
          if (refused) expect(main.join('\n')).toMatch(/^::error::[\w-]+: the value holds a control character/m)
          const failed = main.some(line => line.startsWith('::error::'))
          seen[failed ? 'failed' : 'loggedIn']++
          if (!failed) expect(fileCommands(join(dir, 'OUTPUT')).registries).toBeTruthy()
          if (post.some(line => line.startsWith('Logged out of') || line.startsWith('::warning::Could not log out'))) {
            seen.loggedOut++
          }
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }),
      { seed: 0x19c0de, numRuns: 300 }
    )
    expect(seen.loggedIn).toBeGreaterThan(5)
    expect(seen.failed).toBeGreaterThan(5)
    expect(seen.loggedOut).toBeGreaterThan(5)
  }, 120_000)
})
