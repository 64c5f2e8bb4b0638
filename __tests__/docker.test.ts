import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { classifyLoginFailure, dockerLogin, dockerLogout, dockerMessage } from '../src/docker.js'
import { noClientHelp } from '../src/registry-cli.js'
import { ActionError, ThrottlingError, TransientError } from '../src/errors.js'
import { isThrottling, isTransient } from '../src/retry.js'
import { PASSWORD } from './fixtures/aws.js'

/** A signal that never aborts. */
const LIVE = new AbortController().signal

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const UNENCRYPTED =
  'WARNING! Your password will be stored unencrypted in /home/runner/.docker/config.json.\n' +
  'Configure a credential helper to remove this warning. See\n' +
  'https://docs.docker.com/engine/reference/commandline/login/#credential-stores\n'

beforeEach(() => {
  vi.unstubAllEnvs()
  // docker's config is in its home unless DOCKER_CONFIG says otherwise: a fresh one for each test.
  vi.stubEnv('HOME', mkdtempSync(join(tmpdir(), 'ecr-login-home-')))
  core.resetCore()
  exec.resetExec()
})

/** A docker config folder whose config.json holds `content` (none when undefined). */
function dockerConfig(content?: string): { DOCKER_CONFIG: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-config-'))
  if (content !== undefined) writeFileSync(join(dir, 'config.json'), content)
  return { DOCKER_CONFIG: dir }
}

/** A docker config as docker leaves it after a login to HOST. */
const LOGGED_IN = JSON.stringify({ auths: { [HOST]: { auth: 'QVdTOnB3' } } })

function expectStartsWith(text: string, prefix: string): void {
  expect(text.slice(0, prefix.length), text).toBe(prefix)
}

async function loginError(env: Record<string, string | undefined> = {}): Promise<Error> {
  const error = await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).not.toContain(PASSWORD)
  return error as Error
}

describe('dockerLogin', () => {
  it('passes the password on stdin only, silently, with the given environment', async () => {
    await dockerLogin(
      HOST,
      'AWS',
      PASSWORD,
      { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', UNSET: undefined },
      LIVE
    )
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith(
      'docker',
      ['login', '--username', 'AWS', '--password-stdin', HOST],
      {
        input: Buffer.from(PASSWORD),
        env: { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', UNSET: undefined },
        signal: LIVE
      }
    )
    expect(exec.stdinOf(0)).toBe(PASSWORD)
    const argv = exec.runProcess.mock.calls[0][1] ?? []
    expect(argv.some(arg => arg.includes(PASSWORD))).toBe(false)
  })

  it('succeeds quietly when docker says Login Succeeded', async () => {
    exec.answerDocker(() => ({ exitCode: 0, stdout: 'Login Succeeded\n', stderr: UNENCRYPTED }))
    await expect(dockerLogin(HOST, 'AWS', PASSWORD, dockerConfig(LOGGED_IN), LIVE)).resolves.toBeUndefined()
    expect(core.info).not.toHaveBeenCalled()
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.printed().join('\n')).not.toContain(PASSWORD)
  })

  it.each([
    `Error response from daemon: Get "https://${HOST}/v2/": received unexpected HTTP status: 503 Service Unavailable`,
    `Error response from daemon: Get "https://${HOST}/v2/": received unexpected HTTP status: 500 Internal Server Error`,
    `Error response from daemon: Get "https://${HOST}/v2/": dial tcp 52.94.0.1:443: connect: connection refused`,
    `Error response from daemon: Get "https://${HOST}/v2/": read tcp 10.0.0.2:51234->52.94.0.1:443: read: connection reset by peer`,
    `Error response from daemon: Get "https://${HOST}/v2/": net/http: TLS handshake timeout`,
    `Error response from daemon: Get "https://${HOST}/v2/": dial tcp: lookup ${HOST}: Temporary failure in name resolution`,
    `Error response from daemon: Get "https://${HOST}/v2/": dial tcp 52.94.0.1:443: i/o timeout`,
    `Error response from daemon: Get "https://${HOST}/v2/": EOF`,
    `Error response from daemon: Get "https://${HOST}/v2/": toomanyrequests: Too Many Requests (HAP429)`,
    'received unexpected HTTP status: 429 Too Many Requests',
    '502 Bad Gateway',
    'Gateway Timeout'
  ])('throws a TransientError for %s', async stderr => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `${UNENCRYPTED}${stderr}\n` }))
    const error = await loginError()
    expect(error).toBeInstanceOf(TransientError)
    expect(isTransient(error)).toBe(true)
    expect(error.message).toBe(`docker login to ${HOST}: ${stderr}`)
    // A registry's 429 is retried until the deadline, as AWS throttling is.
    expect(isThrottling(error)).toBe(/429/.test(stderr))
  })

  it.each([
    `Error response from daemon: Get "https://${HOST}/v2/": unauthorized: authentication required`,
    `Error response from daemon: login attempt to https://${HOST}/v2/ failed with status: 401 Unauthorized`,
    `Error response from daemon: Get "https://${HOST}/v2/": denied: your authorization token has expired`
  ])('throws an ActionError saying the registry refused the credentials for %s', async stderr => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` }))
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(isTransient(error)).toBe(false)
    expect(error.message).toBe(
      `docker login to ${HOST} was rejected: ${stderr}. The registry refused the credentials ECR issued: ` +
        `check that ${HOST} is the registry you mean and that its account lets this principal in.`
    )
  })

  it.each([
    `Error response from daemon: login attempt to https://${HOST}/v2/ failed with status: 400 Bad Request`,
    'Error: Cannot perform an interactive login from a non TTY device'
  ])('throws an ActionError quoting docker, without blaming the credentials, for %s', async stderr => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` }))
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(isTransient(error)).toBe(false)
    expect(error.message).toBe(`docker login to ${HOST} failed: ${stderr}`)
  })

  it("uses docker's stdout when stderr says nothing, and the exit code when neither does", async () => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: 'denied: your token has expired\n', stderr: UNENCRYPTED }))
    expectStartsWith(
      (await loginError()).message,
      `docker login to ${HOST} was rejected: denied: your token has expired`
    )
    exec.answerDocker(() => ({ exitCode: 125, stdout: '', stderr: '' }))
    expect((await loginError()).message).toBe(`docker login to ${HOST} failed: exit code 125`)
  })

  it('explains how to install docker when it is not on PATH', async () => {
    exec.answerDocker(() => exec.enoent())
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe(noClientHelp())
  })

  it('quotes any other failure to start docker', async () => {
    exec.answerDocker(() => new Error('spawn docker EACCES'))
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe('docker login could not run: spawn docker EACCES')
  })

  it('logs docker output at debug level only, without the password', async () => {
    exec.answerDocker(() => ({ exitCode: 0, stdout: 'Login Succeeded\n', stderr: UNENCRYPTED }))
    await dockerLogin(HOST, 'AWS', PASSWORD, {}, LIVE)
    expect(core.debug).toHaveBeenCalledExactlyOnceWith(`docker login ${HOST}: exit 0; Login Succeeded`)
  })
})

describe('dockerLogin: local failures are not the registry refusing', () => {
  const configWith = (content: object) => dockerConfig(JSON.stringify(content))
  /** docker's words when the credential helper refused to store the login, quoting the helper. */
  const helperRefuses = (out: string): void =>
    exec.answerDocker(() => ({
      exitCode: 1,
      stdout: '',
      stderr: `Error saving credentials: error storing credentials - err: exit status 1, out: \`${out}\`\n`
    }))

  it.each([
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
      'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/info": dial unix /var/run/docker.sock: connect: permission denied',
    'error during connect: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.47/info": open //./pipe/docker_engine: ' +
      'The system cannot find the file specified.'
  ])('says docker cannot reach its daemon, and how to fix it, for %s', async stderr => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` }))
    const error = await loginError()
    expect(isTransient(error)).toBe(false)
    expect(error.message).toBe(
      `docker login to ${HOST} failed: docker cannot reach its daemon (${stderr}). Start the Docker daemon, ` +
        "give the runner's user access to its socket (e.g. add it to the docker group), or point DOCKER_HOST " +
        'at a daemon that runs.'
    )
    expect(error.message).not.toContain('refused the credentials')
  })

  it('names a credential helper that is not installed', async () => {
    const env = configWith({ credsStore: 'desktop' })
    exec.answerDocker(() => ({
      exitCode: 1,
      stdout: '',
      stderr:
        'Error saving credentials: error storing credentials - err: exec: "docker-credential-desktop": ' +
        'executable file not found in $PATH, out: ``\n'
    }))
    const error = await loginError(env)
    const file = join(env.DOCKER_CONFIG, 'config.json')
    expect(error.message).toContain(
      `${file} names the credential helper docker-credential-desktop ("credsStore" or ` +
        `"credHelpers"), which is not on PATH: install it, or remove it from ${file} ` +
        `("credsStore", or ${HOST} in "credHelpers"): this action then keeps ECR logins in config.json. Or, before ` +
        `this step, set DOCKER_CONFIG to an empty folder of the job's own (e.g. $RUNNER_TEMP/docker).`
    )
  })

  it('names the failing helper from the config, for the host or the default store', async () => {
    exec.answerDocker(() => ({
      exitCode: 1,
      stdout: '',
      stderr: 'Error saving credentials: error storing credentials - err: exit status 1, out: `permission denied`\n'
    }))
    const byHost = await loginError(configWith({ credsStore: 'pass', credHelpers: { [HOST]: 'secretservice' } }))
    expect(byHost.message).toContain('its credential helper docker-credential-secretservice (named in')
    expect(byHost.message).not.toContain('refused the credentials')
    const byDefault = await loginError(configWith({ credsStore: 'pass' }))
    expect(byDefault.message).toContain('its credential helper docker-credential-pass (named in')
  })

  it('says config.json is not writable when no helper is configured', async () => {
    const env = configWith({})
    exec.answerDocker(() => ({
      exitCode: 1,
      stdout: '',
      stderr: `Error saving credentials: open ${env.DOCKER_CONFIG}/config.json123: permission denied\n`
    }))
    expect((await loginError(env)).message).toContain(
      `docker could not save the credentials in ${env.DOCKER_CONFIG}/config.json: check that the runner's user may write it.`
    )
  })

  it("explains wincred's size limit and how to use a config without credsStore", async () => {
    helperRefuses('The stub received bad data.')
    const env = configWith({ credsStore: 'wincred' })
    const message = (await loginError(env)).message
    const file = join(env.DOCKER_CONFIG, 'config.json')
    expect(message).toContain(
      `Windows' credential manager (docker-credential-wincred, named in ${file}) cannot ` +
        "hold ECR's password: it is longer than wincred's 2,560-byte limit. To log in, remove it from " +
        `${file} ("credsStore", or ${HOST} in "credHelpers"): this action then keeps ECR ` +
        'logins in config.json.'
    )
  })

  it('advises a way out of a locked keychain that works', async () => {
    helperRefuses('User interaction is not allowed.')
    const env = configWith({ credHelpers: { [HOST]: 'osxkeychain' } })
    const message = (await loginError(env)).message
    expect(message).toContain('its credential helper docker-credential-osxkeychain (named in')
    expect(message).toContain("set DOCKER_CONFIG to an empty folder of the job's own")
  })
})

describe('dockerLogin and dockerLogout: never a store docker picks by itself', () => {
  const fileOf = (env: { DOCKER_CONFIG: string }): string => join(env.DOCKER_CONFIG, 'config.json')
  const readConfig = (env: { DOCKER_CONFIG: string }): unknown => JSON.parse(readFileSync(fileOf(env), 'utf8'))
  const OTHER = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

  // With none of credsStore, credHelpers, auths, the docker CLI picks the OS's store (docker/cli
  // LoadDefaultConfigFile: ContainsAuth, DetectDefaultStore).
  const DOCKER_PICKS: [string, string | undefined][] = [
    ['no config.json', undefined],
    ['an empty config.json', ''],
    ['a config.json of {}', '{}\n'],
    [
      'empty auths (as the logouts leave it), credHelpers and credsStore',
      '{"auths": {}, "credHelpers": {}, "credsStore": ""}'
    ]
  ]
  // Where docker does not: the user's store, a login in the file, or a file docker cannot read either.
  const DOCKER_DOES_NOT_PICK: [string, string][] = [
    ['credsStore', '{"credsStore": "wincred"}'],
    ['credHelpers for another registry', '{"credHelpers": {"ghcr.io": "osxkeychain"}}'],
    ['a login', LOGGED_IN],
    ['a login, in another case', '{"AUTHS": {"ghcr.io": {}}}'],
    ['what docker cannot read either', '{"auths": '],
    ['a list', '[]']
  ]

  it.each(DOCKER_PICKS)(
    'with %s, gives config.json an entry for the host before the login, and says so once',
    async (_label, content) => {
      const env = dockerConfig(content)
      const atLogin: unknown[] = []
      exec.answerDocker(() => {
        atLogin.push(readConfig(env))
        return { exitCode: 0 }
      })
      await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
      await dockerLogin(OTHER, 'AWS', PASSWORD, env, LIVE)
      // The file holds a login from the first on: docker keeps the second in it too, unseeded.
      expect(atLogin).toEqual([
        expect.objectContaining({ auths: { [HOST]: {} } }),
        expect.objectContaining({ auths: { [HOST]: {} } })
      ])
      expect(core.info).toHaveBeenCalledExactlyOnceWith(
        `The docker config ${fileOf(env)} names no credential store and holds no login: keeping ECR logins in it, where docker ` +
          "would otherwise pick the OS's store by itself (Windows' cannot hold an ECR password)."
      )
    }
  )

  // Modes and links as on Linux and macOS (Windows has neither modes nor, unprivileged, links).
  it.skipIf(process.platform === 'win32')(
    'keeps the rest of config.json, its mode, and writes the file a link points to',
    async () => {
      const env = dockerConfig()
      const real = join(env.DOCKER_CONFIG, 'dotfiles', 'docker.json')
      mkdirSync(join(env.DOCKER_CONFIG, 'dotfiles'))
      writeFileSync(real, '{"proxies": {"default": {"httpsProxy": "http://p:3128"}}, "Auths": {}}')
      chmodSync(real, 0o640)
      symlinkSync(real, fileOf(env))
      await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
      expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({
        proxies: { default: { httpsProxy: 'http://p:3128' } },
        Auths: { [HOST]: {} }
      })
      expect(statSync(real).mode & 0o777).toBe(0o640)
    }
  )

  it.each(DOCKER_DOES_NOT_PICK)('leaves a config.json holding %s as it is', async (_label, content) => {
    const env = dockerConfig(content)
    await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
    expect(readFileSync(fileOf(env), 'utf8')).toBe(content)
    expect(core.info).not.toHaveBeenCalled()
  })

  it.each(DOCKER_PICKS)(
    'does not run docker logout with %s: docker would ask only a store it picks; says no login is there',
    async (_label, content) => {
      const env = dockerConfig(content)
      await expect(dockerLogout(HOST, env, LIVE)).resolves.toBe(
        `docker has no login for it in the docker config ${env.DOCKER_CONFIG}: another step logged out of it, ` +
          'or removed or replaced that config.'
      )
      expect(exec.runProcess).not.toHaveBeenCalled()
      expect(core.debug).toHaveBeenCalledExactlyOnceWith(
        `docker logout ${HOST}: not run, ${fileOf(env)} names no store and holds no login`
      )
    }
  )

  it.each(DOCKER_DOES_NOT_PICK)('runs docker logout with a config.json holding %s', async (_label, content) => {
    await dockerLogout(HOST, dockerConfig(content), LIVE)
    expect(exec.runProcess).toHaveBeenCalledOnce()
  })
})

describe('classifyLoginFailure', () => {
  const endpointError = (error: string): string =>
    `time="2030-01-01T00:00:00Z" level=info msg="Error logging in to endpoint, trying next endpoint" ` +
    `error="${error.replace(/"/g, '\\"')}"`

  it('takes a refusal from an earlier endpoint as the answer, whatever the last endpoint said', () => {
    const refusal = `Get "https://${HOST}/v2/": unauthorized: authentication required`
    const stderr = [
      endpointError(refusal),
      `Error response from daemon: Get "http://${HOST}/v2/": dial tcp 52.94.0.1:80: connect: connection refused`
    ].join('\n')
    expect(classifyLoginFailure('', stderr, 1)).toEqual({ message: refusal, kind: 'refused' })
  })

  it('retries when every endpoint failed for a transient reason', () => {
    const stderr = [
      endpointError(`Get "https://${HOST}/v2/": net/http: TLS handshake timeout`),
      `Error response from daemon: Get "http://${HOST}/v2/": dial tcp 52.94.0.1:80: connect: connection refused`
    ].join('\n')
    expect(classifyLoginFailure('', stderr, 1)).toEqual({
      message: `Error response from daemon: Get "http://${HOST}/v2/": dial tcp 52.94.0.1:80: connect: connection refused`,
      kind: 'transient'
    })
  })

  it.each([
    ['unauthorized: authentication required', 'refused'],
    ['received unexpected HTTP status: 403 Forbidden', 'refused'],
    ['denied: requested access to the resource is denied', 'refused'],
    ['no basic auth credentials', 'refused'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'transient'],
    ['toomanyrequests: 429 Too Many Requests', 'transient'],
    ['Cannot connect to the Docker daemon', 'daemon'],
    [
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
        'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/info": dial unix /var/run/docker.sock: connect: permission denied',
      'daemon'
    ],
    [
      'Error saving credentials: error storing credentials - err: exit status 1, out: `permission denied`',
      'credential-store'
    ],
    ['Error saving credentials: open /home/runner/.docker/config.json1234: permission denied', 'credential-store'],
    [
      'error getting credentials - err: exec: "docker-credential-desktop": executable file not found in $PATH, out: ``',
      'credential-store'
    ],
    [
      'Error saving credentials: error storing credentials - err: exit status 1, out: `The stub received bad data.`',
      'credential-store'
    ],
    ['open /home/runner/.docker/config.json: permission denied', 'failed']
  ])('classifies %j as %s', (stderr, kind) => {
    expect(classifyLoginFailure('', `${stderr}\n`, 1)).toEqual({ message: stderr, kind })
  })
})

describe('dockerLogin under a registry 429', () => {
  it('throws a ThrottlingError with the 429, when docker then tried another endpoint', async () => {
    const throttled = `Get "https://${HOST}/v2/": toomanyrequests: Too Many Requests`
    const stderr = [
      `time="2030-01-01T00:00:00Z" level=info msg="Error logging in to endpoint, trying next endpoint" error="${throttled.replace(/"/g, '\\"')}"`,
      `Error response from daemon: Get "http://${HOST}/v2/": dial tcp 127.0.0.8:80: connect: connection refused`
    ].join('\n')
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `${stderr}\n` }))
    const error = await loginError()
    expect(error).toBeInstanceOf(ThrottlingError)
    expect(error.message).toBe(`docker login to ${HOST}: ${throttled}`)
  })
})

describe('dockerLogout', () => {
  it('runs docker logout for the host, silently, without stdin', async () => {
    const env = { ...dockerConfig(LOGGED_IN), PATH: '/usr/bin', GONE: undefined }
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBeUndefined()
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith('docker', ['logout', HOST], {
      input: undefined,
      env,
      signal: LIVE
    })
  })

  it("returns docker's message when the logout fails", async () => {
    const env = dockerConfig(LOGGED_IN)
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `Not logged in to ${HOST}\n` }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBe(`Not logged in to ${HOST}`)
    exec.answerDocker(() => ({ exitCode: 2, stdout: '', stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBe('exit code 2')
  })

  it('says there was no login to remove when docker answers "Not logged in" and exits 0', async () => {
    const env = dockerConfig(LOGGED_IN)
    exec.answerDocker(() => ({ exitCode: 0, stdout: `Not logged in to ${HOST}\n`, stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBe(
      `docker has no login for it in the docker config ${env.DOCKER_CONFIG}: another step logged out of it, ` +
        'or removed or replaced that config.'
    )
    exec.answerDocker(() => ({ exitCode: 0, stdout: `Removing login credentials for ${HOST}\n`, stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBeUndefined()
  })

  it('says so, after running docker logout all the same, when config.json has no entry for the host', async () => {
    // docker 24 and later say "Removing login credentials" whether or not there was one.
    const env = dockerConfig(JSON.stringify({ auths: { 'ghcr.io': { auth: 'eDp5' } } }))
    exec.answerDocker(() => ({ exitCode: 0, stdout: `Removing login credentials for ${HOST}\n`, stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBe(
      `docker has no login for it in the docker config ${env.DOCKER_CONFIG}: another step logged out of it, ` +
        'or removed or replaced that config.'
    )
    expect(exec.runProcess).toHaveBeenCalledOnce()
  })

  it.each([
    ['in the file', { auths: { [HOST]: { auth: 'QVdTOnB3' } } }],
    ['in a store (an empty entry)', { credsStore: 'e2e', auths: { [HOST]: {} } }],
    ['under https:// (older CLIs)', { auths: { [`https://${HOST}`]: { auth: 'QVdTOnB3' } } }],
    ['with Go’s field names in any case', { AUTHS: { [HOST]: {} } }]
  ])('takes a login recorded %s for one', async (_label, config) => {
    const env = dockerConfig(JSON.stringify(config))
    exec.answerDocker(() => ({ exitCode: 0, stdout: `Removing login credentials for ${HOST}\n`, stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBeUndefined()
  })

  it('runs docker logout when config.json cannot be read, and leaves the verdict to docker', async () => {
    const env = dockerConfig('{not json')
    exec.answerDocker(() => ({ exitCode: 0, stdout: `Removing login credentials for ${HOST}\n`, stderr: '' }))
    await expect(dockerLogout(HOST, env, LIVE)).resolves.toBeUndefined()
    expect(exec.runProcess).toHaveBeenCalledOnce()
  })

  it('throws the missing-docker help when docker is not on PATH', async () => {
    exec.answerDocker(() => exec.enoent())
    await expect(dockerLogout(HOST, dockerConfig(LOGGED_IN), LIVE)).rejects.toThrow(noClientHelp())
  })
})

describe('dockerMessage', () => {
  it.each([
    [`${UNENCRYPTED}Login Succeeded\n`, 'Login Succeeded'],
    ['  line one \n\n line two\n', 'line one line two'],
    ['time="2030-01-01T00:00:00Z" level=info msg="hello"\nreal problem', 'real problem'],
    [
      'Error saving credentials: error storing credentials - err: exit status 1',
      'Error saving credentials: error storing credentials - err: exit status 1'
    ],
    ['', '']
  ])('reduces %j to %j', (output, message) => {
    expect(dockerMessage(output)).toBe(message)
  })
})
