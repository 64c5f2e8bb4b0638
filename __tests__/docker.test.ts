import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { dockerLogin, dockerLogout, dockerMessage } from '../src/docker.js'
import { noClientHelp } from '../src/registry-cli.js'
import { ActionError } from '../src/errors.js'
import { isTransient } from '../src/retry.js'
import { PASSWORD } from './fixtures/aws.js'

/** A signal that never aborts. */
const LIVE = new AbortController().signal

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const OTHER = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
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

const fileOf = (env: { DOCKER_CONFIG: string }): string => join(env.DOCKER_CONFIG, 'config.json')
const readConfig = (env: { DOCKER_CONFIG: string }): unknown => JSON.parse(readFileSync(fileOf(env), 'utf8'))

/** A docker config as docker leaves it after a login to HOST. */
const LOGGED_IN = JSON.stringify({ auths: { [HOST]: { auth: 'QVdTOnB3' } } })
/** What docker login writes for AWS and PASSWORD: base64 of user:password. */
const AUTH = Buffer.from(`AWS:${PASSWORD}`).toString('base64')

function expectStartsWith(text: string, prefix: string): void {
  expect(text.slice(0, prefix.length), text).toBe(prefix)
}

/** Whether a folder of mode 0500 keeps its own user out: not for root, nor on Windows. */
function denialsHold(): boolean {
  if (process.platform === 'win32') return false
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-probe-'))
  try {
    chmodSync(dir, 0o500)
    writeFileSync(join(dir, 'probe'), '')
    return false
  } catch {
    return true
  } finally {
    chmodSync(dir, 0o700)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function loginError(env: Record<string, string | undefined> = {}, signal = LIVE): Promise<Error> {
  const error = await dockerLogin(HOST, 'AWS', PASSWORD, env, signal).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).not.toContain(PASSWORD)
  return error as Error
}

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
const PICKS_STORE_NOTICE = (file: string): string =>
  `The docker config ${file} names no credential store and holds no login: keeping ECR logins in it, where docker ` +
  "would otherwise pick the OS's store by itself (Windows' cannot hold an ECR password)."

describe('dockerLogin: in config.json, where no store is named', () => {
  it('records auths[host].auth, base64 of user:password, as docker login does, and runs nothing', async () => {
    const env = dockerConfig(LOGGED_IN)
    await expect(dockerLogin(OTHER, 'AWS', PASSWORD, env, LIVE)).resolves.toBeUndefined()
    expect(readConfig(env)).toEqual({ auths: { [HOST]: { auth: 'QVdTOnB3' }, [OTHER]: { auth: AUTH } } })
    const { auths } = readConfig(env) as { auths: Record<string, { auth: string }> }
    expect(Buffer.from(auths[OTHER].auth, 'base64').toString('utf8')).toBe(`AWS:${PASSWORD}`)
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(core.info).not.toHaveBeenCalled()
    expect(core.printed().join('\n')).not.toContain(PASSWORD)
  })

  it('replaces an older login to the host and keeps every other field, in the case Go read it', async () => {
    const env = dockerConfig(
      JSON.stringify({
        AUTHS: { [HOST]: { auth: 'b2xkOm9sZA==', identitytoken: 'old' }, 'ghcr.io': { auth: 'eDp5' } },
        credHelpers: { 'ghcr.io': 'gh' },
        proxies: { default: { httpsProxy: 'http://p:3128' } },
        HttpHeaders: { 'User-Agent': 'ci' }
      })
    )
    await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
    expect(readConfig(env)).toEqual({
      AUTHS: { [HOST]: { auth: AUTH }, 'ghcr.io': { auth: 'eDp5' } },
      credHelpers: { 'ghcr.io': 'gh' },
      proxies: { default: { httpsProxy: 'http://p:3128' } },
      HttpHeaders: { 'User-Agent': 'ci' }
    })
    expect(exec.runProcess).not.toHaveBeenCalled()
  })

  // Modes and links as on Linux and macOS (Windows has neither modes nor, unprivileged, links).
  it.skipIf(process.platform === 'win32')('writes a new config.json for its user only (0600)', async () => {
    const env = dockerConfig()
    await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
    expect(statSync(fileOf(env)).mode & 0o777).toBe(0o600)
  })

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
      expect(lstatSync(fileOf(env)).isSymbolicLink()).toBe(true)
      expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({
        proxies: { default: { httpsProxy: 'http://p:3128' } },
        Auths: { [HOST]: { auth: AUTH } }
      })
      expect(statSync(real).mode & 0o777).toBe(0o640)
    }
  )

  it.each(DOCKER_PICKS)(
    'with %s, keeps the logins in config.json where docker would pick a store, and says so once',
    async (_label, content) => {
      const env = dockerConfig(content)
      await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
      await dockerLogin(OTHER, 'AWS', PASSWORD, env, LIVE)
      expect(readConfig(env)).toEqual(
        expect.objectContaining({ auths: { [HOST]: { auth: AUTH }, [OTHER]: { auth: AUTH } } })
      )
      // From the first login on, the file holds one: docker keeps to the file too.
      expect(core.info).toHaveBeenCalledExactlyOnceWith(PICKS_STORE_NOTICE(fileOf(env)))
      expect(exec.runProcess).not.toHaveBeenCalled()
    }
  )

  it.each([
    ['credHelpers for another registry', { credHelpers: { 'ghcr.io': 'osxkeychain' } }],
    ['a login', { auths: { 'ghcr.io': { auth: 'eDp5' } } }],
    ['a login, in another case', { AUTHS: { 'ghcr.io': {} } }]
  ])('says nothing of a store with %s: docker picks none', async (_label, config) => {
    const env = dockerConfig(JSON.stringify(config))
    await dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)
    expect(core.info).not.toHaveBeenCalled()
    expect(JSON.stringify(readConfig(env))).toContain(AUTH)
  })
})

describe('dockerLogin: in the credential store config.json names', () => {
  it.each([
    ['credsStore', { credsStore: 'pass' }, 'pass'],
    [
      'credHelpers for the host, before credsStore',
      { credsStore: 'pass', credHelpers: { [HOST]: 'ecr-login' } },
      'ecr-login'
    ],
    [
      'credsStore, when credHelpers names another host',
      { credsStore: 'pass', credHelpers: { 'ghcr.io': 'gh' } },
      'pass'
    ]
  ])(
    'with %s, hands the login to the helper’s store on stdin only, and records an empty entry',
    async (_label, config, store) => {
      const env = { ...dockerConfig(JSON.stringify(config)), PATH: '/usr/bin' }
      await expect(dockerLogin(HOST, 'AWS', PASSWORD, env, LIVE)).resolves.toBeUndefined()
      expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith(`docker-credential-${store}`, ['store'], {
        input: expect.any(Buffer) as Buffer,
        env,
        signal: LIVE
      })
      expect(JSON.parse(exec.stdinOf(0) ?? '')).toEqual({ ServerURL: HOST, Username: 'AWS', Secret: PASSWORD })
      const [command, argv = []] = exec.runProcess.mock.calls[0]
      expect([command, ...argv].some(arg => arg.includes(PASSWORD))).toBe(false)
      // The store holds the credentials; config.json only that there is a login.
      expect(readConfig(env)).toEqual({ ...config, auths: { [HOST]: {} } })
      const file = readFileSync(fileOf(env), 'utf8')
      expect(file).not.toContain(PASSWORD)
      expect(file).not.toContain(AUTH)
      expect(core.info).not.toHaveBeenCalled()
    }
  )
})

describe('dockerLogin: a credential store that fails', () => {
  /** The help for a store named in `file`, as the user must read it. */
  const without = (file: string): string =>
    `remove it from ${file} ("credsStore", or ${HOST} in "credHelpers"): this action then keeps ECR logins in ` +
    `config.json. Or, before this step, set DOCKER_CONFIG to an empty folder of the job's own (e.g. $RUNNER_TEMP/docker).`

  /** Logs in with `config`, the helper answering `answer`; checks config.json is as it was. */
  async function failedStore(config: object, answer: exec.DockerAnswer): Promise<{ error: Error; file: string }> {
    const content = JSON.stringify(config)
    const env = dockerConfig(content)
    exec.answerDocker(() => answer)
    const error = await loginError(env)
    expect(error).toBeInstanceOf(ActionError)
    expect(isTransient(error)).toBe(false)
    expect(readFileSync(fileOf(env), 'utf8')).toBe(content)
    return { error, file: fileOf(env) }
  }

  it('quotes the helper (its words on stdout) and says how to get past a locked keychain', async () => {
    const { error, file } = await failedStore(
      { credHelpers: { [HOST]: 'osxkeychain' } },
      { exitCode: 1, stdout: 'User interaction is not allowed.\n', stderr: '' }
    )
    expect(error.message).toContain(
      `Storing the login to ${HOST} failed: docker-credential-osxkeychain: User interaction is not allowed.`
    )
    expect(error.message).toContain(
      `its credential helper docker-credential-osxkeychain (named in ${file}) failed: check that it works for ` +
        'this user (a keyring or keychain may be locked, or need a prompt no job can answer), or ' +
        without(file)
    )
  })

  it('quotes stderr when stdout says nothing, and the exit code when neither does', async () => {
    const quiet = await failedStore(
      { credsStore: 'pass' },
      { exitCode: 1, stdout: '', stderr: 'gpg: decryption failed\n' }
    )
    expect(quiet.error.message).toContain(`failed: docker-credential-pass: gpg: decryption failed`)
    const silent = await failedStore({ credsStore: 'pass' }, { exitCode: 3, stdout: '', stderr: '' })
    expect(silent.error.message).toContain(`failed: docker-credential-pass: exit code 3`)
  })

  it('names a helper that is not on PATH, and how to do without it', async () => {
    const missing = Object.assign(new Error('docker-credential-desktop is not on PATH'), { code: 'ENOENT' })
    const { error, file } = await failedStore({ credsStore: 'desktop' }, missing)
    expect(error.message).toContain(
      `Storing the login to ${HOST} failed: docker-credential-desktop: executable file not found in PATH. `
    )
    expect(error.message).toContain(
      `${file} names the credential helper docker-credential-desktop ("credsStore" or "credHelpers"), which is ` +
        `not on PATH: install it, or ${without(file)}`
    )
  })

  it('quotes any other failure to start the helper', async () => {
    const { error } = await failedStore(
      { credsStore: 'pass' },
      new Error('spawn /usr/bin/docker-credential-pass EACCES')
    )
    expect(error.message).toContain(`failed: spawn /usr/bin/docker-credential-pass EACCES. `)
    expect(error.message).toContain('its credential helper docker-credential-pass (named in')
  })

  it("explains wincred's size limit and how to use a config without credsStore", async () => {
    const { error, file } = await failedStore(
      { credsStore: 'wincred' },
      { exitCode: 1, stdout: 'The stub received bad data.\n', stderr: '' }
    )
    expect(error.message).toContain(`failed: docker-credential-wincred: The stub received bad data.`)
    expect(error.message).toContain(
      `Windows' credential manager (docker-credential-wincred, named in ${file}) cannot hold ECR's password: it ` +
        `is longer than wincred's 2,560-byte limit. To log in, ${without(file)}`
    )
  })
})

describe('dockerLogin: a config.json it may not change', () => {
  it.each(['{"auths": ', '[]', 'null', '"text"', '42', '{"auths":"ab"}', '{"credHelpers":[]}', '{"AUTHS":1}'])(
    'refuses a config.json of %j, which docker cannot read either, and leaves it as it is',
    async content => {
      const env = dockerConfig(content)
      const error = await loginError(env)
      expect(error).toBeInstanceOf(ActionError)
      expect(error.message).toBe(
        `${fileOf(env)} is not a docker config (a JSON object whose "auths" and "credHelpers" are objects): ` +
          `docker cannot read it either. Fix it or remove it.`
      )
      expect(readFileSync(fileOf(env), 'utf8')).toBe(content)
      expect(exec.runProcess).not.toHaveBeenCalled()
    }
  )

  it('says it could not read a config.json that is no file', async () => {
    const env = dockerConfig()
    mkdirSync(fileOf(env))
    const error = await loginError(env)
    expect(error).toBeInstanceOf(ActionError)
    expectStartsWith(error.message, `Could not read ${fileOf(env)}: `)
    expect(error.message).toMatch(/Check that the runner's user may read it\.$/)
  })

  it.skipIf(process.platform === 'win32')('says it could not write a config folder that cannot be made', async () => {
    // DOCKER_CONFIG under a link to nowhere: nothing to read, and no folder can be made there.
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-config-'))
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'))
    const env = { DOCKER_CONFIG: join(dir, 'dangling', 'docker') }
    const error = await loginError(env)
    expect(error).toBeInstanceOf(ActionError)
    expectStartsWith(error.message, `Could not write ${fileOf(env)}: `)
    expect(error.message).toMatch(/Check that the runner's user may write it\.$/)
    expect(existsSync(join(dir, 'missing'))).toBe(false)
  })

  it.skipIf(!denialsHold())('says it could not write a config folder its user may not write', async () => {
    const env = dockerConfig('{}')
    chmodSync(env.DOCKER_CONFIG, 0o500)
    try {
      const error = await loginError(env)
      expect(error).toBeInstanceOf(ActionError)
      expectStartsWith(error.message, `Could not write ${fileOf(env)}: `)
      expect(error.message).toMatch(/Check that the runner's user may write it\.$/)
      expect(readFileSync(fileOf(env), 'utf8')).toBe('{}')
    } finally {
      chmodSync(env.DOCKER_CONFIG, 0o700)
    }
  })
})

describe('dockerLogin: once the step has given up', () => {
  it('writes nothing when the signal has aborted', async () => {
    const env = dockerConfig()
    const abort = new AbortController()
    abort.abort(new Error('cancelled'))
    await expect(dockerLogin(HOST, 'AWS', PASSWORD, env, abort.signal)).rejects.toThrow('cancelled')
    expect(existsSync(fileOf(env))).toBe(false)
  })

  it('records no login the helper stored as the signal aborted', async () => {
    const content = '{"credsStore": "pass"}'
    const env = dockerConfig(content)
    const abort = new AbortController()
    exec.answerDocker(() => {
      abort.abort(new Error('timeout-seconds passed'))
      return { exitCode: 0 }
    })
    await expect(dockerLogin(HOST, 'AWS', PASSWORD, env, abort.signal)).rejects.toThrow('timeout-seconds passed')
    expect(readFileSync(fileOf(env), 'utf8')).toBe(content)
  })

  it('passes on, unwrapped, what the helper’s run threw as the signal aborted', async () => {
    const content = '{"credsStore": "pass"}'
    const env = dockerConfig(content)
    const abort = new AbortController()
    const killed = new Error('docker-credential-pass was stopped')
    exec.answerDocker(() => {
      abort.abort()
      return killed
    })
    await expect(dockerLogin(HOST, 'AWS', PASSWORD, env, abort.signal)).rejects.toBe(killed)
    expect(readFileSync(fileOf(env), 'utf8')).toBe(content)
  })
})

describe('dockerLogout: never a store docker picks by itself', () => {
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
