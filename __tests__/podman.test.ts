import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { ActionError } from '../src/errors.js'
import { defaultAuthFile, podmanLogin, podmanLogout } from '../src/podman.js'
import { TransientError } from '../src/errors.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const AUTH_FILE = '/run/user/1001/containers/auth.json'
/** A signal that never aborts. */
const LIVE = new AbortController().signal

beforeEach(() => {
  core.resetCore()
  exec.resetExec()
})

describe('defaultAuthFile', () => {
  it.each([
    [{ REGISTRY_AUTH_FILE: '/etc/auth.json', XDG_RUNTIME_DIR: '/run/user/1001' }, 1001, '/etc/auth.json'],
    [{ XDG_RUNTIME_DIR: '/run/user/1001' }, 1001, AUTH_FILE],
    [{}, 0, '/run/containers/0/auth.json']
  ])('in %j (uid %i) is %s', (env, uid, expected) => {
    expect(defaultAuthFile(env, uid, 'linux')).toBe(expected)
  })

  // containers/image: every OS but Linux keeps it in the home folder (USERPROFILE on Windows).
  it.each([
    [
      'darwin',
      { HOME: '/Users/runner', XDG_RUNTIME_DIR: '/run/user/501' },
      '/Users/runner/.config/containers/auth.json'
    ],
    [
      'win32',
      { USERPROFILE: 'C:\\Users\\runneradmin', HOME: '/c/Users/runneradmin' },
      'C:\\Users\\runneradmin\\.config\\containers\\auth.json'
    ],
    ['win32', { USERPROFILE: 'C:\\Users\\me', REGISTRY_AUTH_FILE: 'D:\\auth.json' }, 'D:\\auth.json']
  ] as const)('on %s in %j is %s', (platform, env, expected) => {
    expect(defaultAuthFile(env, 501, platform)).toBe(expected)
  })
})

describe('podmanLogin', () => {
  it('logs in with an explicit --authfile and the password on stdin only', async () => {
    await podmanLogin(HOST, 'AWS', 's3cret-password', AUTH_FILE, { PATH: '/usr/bin', UNSET: undefined }, LIVE)
    expect(exec.runProcess).toHaveBeenCalledExactlyOnceWith(
      'podman',
      ['login', '--authfile', AUTH_FILE, '--username', 'AWS', '--password-stdin', HOST],
      expect.objectContaining({ env: { PATH: '/usr/bin', UNSET: undefined }, signal: LIVE })
    )
    expect(exec.stdinOf(0)).toBe('s3cret-password')
  })

  it.each([
    [`Error: logging into "${HOST}": invalid username/password`, ActionError, /was rejected: .*invalid username/],
    [
      `Error: authenticating creds for "${HOST}": pinging container registry: 503 Service Unavailable`,
      TransientError,
      /503/
    ],
    [
      `Error: pinging container registry ${HOST}: Get "https://${HOST}/v2/": dial tcp: connection refused`,
      TransientError,
      /connection refused/
    ],
    ['Error: open /ro/auth.json: read-only file system', ActionError, /failed: Error: open \/ro\/auth.json/]
  ])('classifies %j', async (stderr, kind, message) => {
    exec.answerDocker(() => ({ exitCode: 125, stderr }))
    const error = await podmanLogin(HOST, 'AWS', 'pw', AUTH_FILE, {}, LIVE).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(kind)
    if (kind === ActionError) expect(error).not.toBeInstanceOf(TransientError)
    expect((error as Error).message).toMatch(message)
  })
})

describe('podmanLogout', () => {
  it('logs out of the same auth file and returns podman’s message when it fails', async () => {
    expect(await podmanLogout(HOST, AUTH_FILE, {}, LIVE)).toBeUndefined()
    expect(exec.runProcess.mock.calls[0].slice(0, 2)).toEqual(['podman', ['logout', '--authfile', AUTH_FILE, HOST]])
    exec.answerDocker(() => ({ exitCode: 125, stderr: `Error: not logged into ${HOST}\n` }))
    expect(await podmanLogout(HOST, AUTH_FILE, {}, LIVE)).toBe(`Error: not logged into ${HOST}`)
  })
})
