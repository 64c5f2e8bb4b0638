import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { prepareLoginTarget, registryClient, releaseLoginTarget } from '../src/registry-client.js'
import { noClientHelp } from '../src/registry-cli.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))

/** A signal that never aborts. */
const LIVE = new AbortController().signal

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'

let docker: ReturnType<typeof exec.makeToolDir>
let podman: ReturnType<typeof exec.makeToolDir>
let root: string
let env: Record<string, string>

beforeAll(() => {
  docker = exec.makeToolDir('docker')
  podman = exec.makeToolDir('podman')
})
afterAll(() => {
  docker.remove()
  podman.remove()
})

beforeEach(() => {
  core.resetCore()
  exec.resetExec()
  root = mkdtempSync(join(tmpdir(), 'clients-test-'))
  mkdirSync(join(root, 'temp'))
  mkdirSync(join(root, 'user-docker'))
  env = { RUNNER_TEMP: join(root, 'temp'), DOCKER_CONFIG: join(root, 'user-docker'), XDG_RUNTIME_DIR: '/run/user/1001' }
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
  vi.unstubAllEnvs()
})

describe('prepareLoginTarget', () => {
  it('uses docker and the user’s config by default, named for the post step, exporting nothing', async () => {
    vi.stubEnv('PATH', [docker.dir, podman.dir].join(delimiter))
    expect(await prepareLoginTarget('default', env)).toEqual({ client: 'docker', dockerConfig: env.DOCKER_CONFIG })
    const home = { ...env, DOCKER_CONFIG: '', HOME: join(root, 'home'), USERPROFILE: join(root, 'home') }
    expect(await prepareLoginTarget('default', home)).toEqual({
      client: 'docker',
      dockerConfig: join(root, 'home', '.docker')
    })
    expect(core.exportVariable).not.toHaveBeenCalled()
  })

  it('uses podman with an explicit auth file when docker is missing', async () => {
    vi.stubEnv('PATH', podman.dir)
    expect(await prepareLoginTarget('default', env)).toEqual({
      client: 'podman',
      authFile: '/run/user/1001/containers/auth.json'
    })
    expect(core.exportVariable).not.toHaveBeenCalled()
  })

  it('names both clients when neither is on PATH', async () => {
    const notExecutable = exec.makeToolDir('docker', false)
    vi.stubEnv('PATH', notExecutable.dir)
    await expect(prepareLoginTarget('default', env)).rejects.toThrow(noClientHelp())
    notExecutable.remove()
    expect(noClientHelp()).toMatch(/docker .*podman/)
  })

  it('with job, makes a private copy of the user’s config and exports it as DOCKER_CONFIG', async () => {
    vi.stubEnv('PATH', docker.dir)
    writeFileSync(join(env.DOCKER_CONFIG, 'config.json'), '{"credsStore":"pass"}')
    const target = await prepareLoginTarget('job', env)
    expect(target.client).toBe('docker')
    expect(target.jobDir?.startsWith(join(root, 'temp', 'ecr-login-'))).toBe(true)
    expect(target.dockerConfig).toBe(target.jobDir)
    expect(readFileSync(join(target.jobDir!, 'config.json'), 'utf8')).toBe('{"credsStore":"pass"}')
    expect(core.exportVariable).toHaveBeenCalledExactlyOnceWith('DOCKER_CONFIG', target.jobDir)
  })

  it('with job and podman only, exports a private REGISTRY_AUTH_FILE', async () => {
    vi.stubEnv('PATH', podman.dir)
    const target = await prepareLoginTarget('job', env)
    expect(target).toEqual({ client: 'podman', authFile: join(target.jobDir!, 'auth.json'), jobDir: target.jobDir })
    expect(core.exportVariable).toHaveBeenCalledExactlyOnceWith('REGISTRY_AUTH_FILE', target.authFile)
  })
})

describe('registryClient', () => {
  it('leaves checking the login to the step for docker, and to podman login for podman', () => {
    expect(registryClient({ client: 'docker', dockerConfig: join(root, 'job') }, env).checksLogin).toBe(false)
    expect(registryClient({ client: 'docker' }, env).checksLogin).toBe(false)
    expect(registryClient({ client: 'podman', authFile: '/a/auth.json' }, env).checksLogin).toBe(true)
  })

  it('keeps docker’s login in the target’s config and logs out with it, whatever the environment says', async () => {
    const job = join(root, 'job')
    const client = registryClient({ client: 'docker', dockerConfig: job }, env)
    await client.login(HOST, 'AWS', 'pw', LIVE)
    expect(JSON.parse(readFileSync(join(job, 'config.json'), 'utf8'))).toEqual({
      auths: { [HOST]: { auth: Buffer.from('AWS:pw').toString('base64') } }
    })
    expect(existsSync(join(env.DOCKER_CONFIG, 'config.json'))).toBe(false)
    // The registry has accepted the login already (registry-check.ts): docker login does not run.
    expect(exec.runProcess).not.toHaveBeenCalled()
    await client.logout(HOST, LIVE)
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith('docker', ['logout', HOST], {
      input: undefined,
      env: { ...env, DOCKER_CONFIG: job },
      signal: LIVE
    })
  })

  it('hands docker’s login to the store the target’s config names, with that config', async () => {
    const job = join(root, 'job')
    mkdirSync(job)
    writeFileSync(join(job, 'config.json'), '{"credsStore":"pass"}')
    await registryClient({ client: 'docker', dockerConfig: job }, env).login(HOST, 'AWS', 'pw', LIVE)
    const [[command, args, options]] = exec.runProcess.mock.calls
    expect([command, args, options?.env.DOCKER_CONFIG]).toEqual(['docker-credential-pass', ['store'], job])
    expect(JSON.parse(readFileSync(join(job, 'config.json'), 'utf8'))).toEqual({
      credsStore: 'pass',
      auths: { [HOST]: {} }
    })
  })

  it('runs podman with the target’s auth file', async () => {
    const client = registryClient({ client: 'podman', authFile: '/a/auth.json' }, {})
    await client.login(HOST, 'AWS', 'pw', LIVE)
    await client.logout(HOST, LIVE)
    expect(exec.runProcess.mock.calls.map(([command, args]) => [command, ...(args ?? [])].join(' '))).toEqual([
      `podman login --authfile /a/auth.json --username AWS --password-stdin ${HOST}`,
      `podman logout --authfile /a/auth.json ${HOST}`
    ])
  })
})

describe('releaseLoginTarget', () => {
  it('removes the job-private directory', async () => {
    vi.stubEnv('PATH', docker.dir)
    const target = await prepareLoginTarget('job', env)
    releaseLoginTarget(target)
    expect(existsSync(target.jobDir!)).toBe(false)
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('warns, never throws, when it cannot', () => {
    expect(() => releaseLoginTarget({ client: 'docker', jobDir: env.DOCKER_CONFIG })).not.toThrow()
    expect(core.warning).toHaveBeenCalledOnce()
    expect(existsSync(env.DOCKER_CONFIG)).toBe(true)
  })
})
