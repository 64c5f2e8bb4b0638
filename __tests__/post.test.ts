import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { noClientHelp } from '../src/registry-cli.js'
import { run } from '../src/post.js'
import type * as CredentialStop from '../src/credential-stop.js'
import { stopCredentialAgent } from '../src/credential-stop.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))
vi.mock('../src/credential-stop.js', async importOriginal => ({
  ...(await importOriginal<typeof CredentialStop>()),
  stopCredentialAgent: vi.fn(() => {
    core.timeline.push({ what: 'stopCredentialAgent', args: [] })
    return Promise.resolve()
  })
}))

const EU_A = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const US_A = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const PUBLIC = 'public.ecr.aws'

function loggedOut(): string[] {
  return exec.runProcess.mock.calls.map(([command, args]) => [command, ...(args ?? [])].join(' '))
}

/** A docker config folder as main leaves it: logged in to `hosts`. */
function loggedInConfig(hosts = [EU_A, US_A, PUBLIC], dir = mkdtempSync(join(tmpdir(), 'docker-config-'))): string {
  const auths = Object.fromEntries(hosts.map(host => [host, { auth: 'QVdTOnB3' }]))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }))
  return dir
}

beforeEach(() => {
  core.resetCore()
  exec.resetExec()
  vi.mocked(stopCredentialAgent).mockClear()
  vi.stubEnv('HTTPS_PROXY', undefined)
  vi.stubEnv('DOCKER_CONFIG', loggedInConfig())
})

describe('post run with credential-helper', () => {
  it('stops the agent (which puts the config back) and runs no logout: no password is in the config', async () => {
    const state = { dir: '/t/ecr-login-agent-x', file: '/home/runner/.docker/config.json', previous: { [EU_A]: null } }
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState('credential-agent', JSON.stringify(state))
    await run()
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(stopCredentialAgent).toHaveBeenCalledExactlyOnceWith(state)
  })

  it('removes the job’s folder after stopping the agent with docker-config: job', async () => {
    const jobDir = mkdtempSync(join(tmpdir(), 'ecr-login-'))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: jobDir, jobDir }))
    core.presetState(
      'credential-agent',
      JSON.stringify({ dir: '/t/a', file: join(jobDir, 'config.json'), previous: {} })
    )
    await run()
    expect(core.timeline.map(event => event.what).filter(what => what === 'stopCredentialAgent')).toHaveLength(1)
    expect(existsSync(jobDir)).toBe(false)
  })
})

describe('post run', () => {
  it('logs out of every saved host, one at a time, in the order saved', async () => {
    core.presetState('registries', JSON.stringify([EU_A, PUBLIC, US_A]))
    await run()
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`, `docker logout ${PUBLIC}`, `docker logout ${US_A}`])
    const docker = core.timeline.filter(event => event.what.startsWith('exec:')).map(event => event.what)
    expect(docker).toEqual(['exec:start', 'exec:end', 'exec:start', 'exec:end', 'exec:start', 'exec:end'])
    expect(core.info.mock.calls).toEqual([
      [`Logged out of ${EU_A}`],
      [`Logged out of ${PUBLIC}`],
      [`Logged out of ${US_A}`]
    ])
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('runs docker logout silently, with the environment of the job when main (an older one) saved no docker config', async () => {
    const config = loggedInConfig([EU_A])
    vi.stubEnv('DOCKER_CONFIG', config)
    core.presetState('registries', JSON.stringify([EU_A]))
    await run()
    const [, args, options] = exec.runProcess.mock.calls[0]
    expect(args).toEqual(['logout', EU_A])
    expect(options).toMatchObject({ input: undefined, signal: expect.any(AbortSignal) as AbortSignal })
    expect(options?.env).toMatchObject({ DOCKER_CONFIG: config })
  })

  it('warns about a failed logout, goes on with the others and never fails the job', async () => {
    exec.answerDocker(args =>
      args.at(-1) === EU_A ? { exitCode: 1, stderr: `Not logged in to ${EU_A}\n` } : { exitCode: 0 }
    )
    core.presetState('registries', JSON.stringify([EU_A, PUBLIC]))
    await run()
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`, `docker logout ${PUBLIC}`])
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(`Could not log out of ${EU_A}: Not logged in to ${EU_A}`)
    expect(core.info).toHaveBeenCalledExactlyOnceWith(`Logged out of ${PUBLIC}`)
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('warns, and does not fail, when docker is gone by the end of the job', async () => {
    exec.answerDocker(() => exec.enoent())
    core.presetState('registries', JSON.stringify([EU_A, US_A]))
    await expect(run()).resolves.toBeUndefined()
    expect(core.warning.mock.calls).toEqual([
      [`Could not log out of ${EU_A}: ${noClientHelp()}`],
      [`Could not log out of ${US_A}: ${noClientHelp()}`]
    ])
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it.each([
    ['no state', undefined],
    ['an empty list', '[]']
  ])('does nothing, quietly, with %s', async (_label, saved) => {
    if (saved !== undefined) core.presetState('registries', saved)
    await run()
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(core.info).not.toHaveBeenCalled()
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.debug).toHaveBeenCalledExactlyOnceWith('No registries to log out of.')
  })

  it('gives up a logout that hangs, warns and goes on; gives up the rest once its bound has passed', async () => {
    core.presetState('registries', JSON.stringify([EU_A, US_A]))
    core.presetState('logout-timeout-seconds', '0.05')
    exec.answerDocker(
      (_args, options) =>
        new Promise((_resolve, reject) => {
          options?.signal.addEventListener('abort', () => reject(options.signal.reason as Error), { once: true })
        })
    )
    const started = Date.now()
    await run()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`])
    expect(core.warning.mock.calls).toEqual([
      [
        `Could not log out of ${EU_A}: docker logout gave no answer within 0.05 s and was stopped (a credential ` +
          'helper may be waiting for a keyring or a prompt)'
      ],
      [`Gave up logging out after 0.05 s; still logged in to ${US_A}.`]
    ])
    expect(core.setFailed).not.toHaveBeenCalled()
  })
})

describe('post run: where main logged in', () => {
  it('logs out of the job-private config, then removes it', async () => {
    const dir = loggedInConfig([EU_A], mkdtempSync(join(tmpdir(), 'ecr-login-')))
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: dir, jobDir: dir }))
    exec.answerDocker(() => {
      // docker still has its config while it logs out.
      expect(existsSync(join(dir, 'config.json'))).toBe(true)
      return { exitCode: 0 }
    })
    await run()
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`])
    expect(exec.runProcess.mock.calls[0][2]?.env?.DOCKER_CONFIG).toBe(dir)
    expect(existsSync(dir)).toBe(false)
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('removes the job-private config even when main logged in nowhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-'))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: dir, jobDir: dir }))
    await run()
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(existsSync(dir)).toBe(false)
  })

  it('logs out of the docker config main logged in to, not the one DOCKER_CONFIG names at the end of the job', async () => {
    const mains = loggedInConfig([EU_A])
    vi.stubEnv('DOCKER_CONFIG', loggedInConfig([EU_A]))
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: mains }))
    await run()
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`])
    expect(exec.runProcess.mock.calls[0][2]?.env?.DOCKER_CONFIG).toBe(mains)
    expect(core.info).toHaveBeenCalledExactlyOnceWith(`Logged out of ${EU_A}`)
  })

  it('warns, naming the host and the config, when docker says it was not logged in there', async () => {
    const mains = loggedInConfig([US_A])
    exec.answerDocker(args => ({ exitCode: 0, stdout: `Not logged in to ${args.at(-1)}\n` }))
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: mains }))
    await run()
    expect(loggedOut()).toEqual([`docker logout ${EU_A}`])
    expect(core.info).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      `Could not log out of ${EU_A}: docker has no login for it in the docker config ${mains}: another step ` +
        `logged out of it, or removed or replaced that config.`
    )
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('warns the same, without running docker, when main’s config holds no login at all', async () => {
    const emptied = mkdtempSync(join(tmpdir(), 'docker-config-'))
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: emptied }))
    await run()
    expect(exec.runProcess).not.toHaveBeenCalled()
    expect(core.info).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      `Could not log out of ${EU_A}: docker has no login for it in the docker config ${emptied}: another step ` +
        `logged out of it, or removed or replaced that config.`
    )
  })

  it('logs out of podman’s auth file with podman', async () => {
    core.presetState('registries', JSON.stringify([EU_A]))
    core.presetState(
      'login-target',
      JSON.stringify({ client: 'podman', authFile: '/run/user/1001/containers/auth.json' })
    )
    await run()
    expect(loggedOut()).toEqual([`podman logout --authfile /run/user/1001/containers/auth.json ${EU_A}`])
    expect(core.info).toHaveBeenCalledExactlyOnceWith(`Logged out of ${EU_A}`)
  })

  it.each(['not json', '{"client":"podman"}', '["docker"]'])(
    'falls back to plain docker with a saved target %j',
    async saved => {
      core.presetState('registries', JSON.stringify([EU_A]))
      core.presetState('login-target', saved)
      await run()
      expect(loggedOut()).toEqual([`docker logout ${EU_A}`])
    }
  )
})
