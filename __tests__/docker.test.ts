import { delimiter } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/exec.js'
import {
  classifyLoginFailure,
  DOCKER_MISSING_HELP,
  dockerLogin,
  dockerLogout,
  dockerMessage,
  dockerOnPath
} from '../src/docker.js'
import { ActionError } from '../src/errors.js'
import { isThrottling, isTransient, ThrottlingError, TransientError } from '../src/retry.js'
import { PASSWORD } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('@actions/exec', () => import('./fixtures/exec.js'))

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const UNENCRYPTED =
  'WARNING! Your password will be stored unencrypted in /home/runner/.docker/config.json.\n' +
  'Configure a credential helper to remove this warning. See\n' +
  'https://docs.docker.com/engine/reference/commandline/login/#credential-stores\n'

beforeEach(() => {
  core.resetCore()
  exec.resetExec()
})

function expectStartsWith(text: string, prefix: string): void {
  expect(text.slice(0, prefix.length), text).toBe(prefix)
}

async function loginError(env: Record<string, string | undefined> = {}): Promise<Error> {
  const error = await dockerLogin(HOST, 'AWS', PASSWORD, env).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(Error)
  expect((error as Error).message).not.toContain(PASSWORD)
  return error as Error
}

describe('dockerLogin', () => {
  it('passes the password on stdin only, silently, with the given environment', async () => {
    await dockerLogin(HOST, 'AWS', PASSWORD, { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', UNSET: undefined })
    expect(exec.getExecOutput).toHaveBeenCalledExactlyOnceWith(
      'docker',
      ['login', '--username', 'AWS', '--password-stdin', HOST],
      {
        input: Buffer.from(PASSWORD),
        env: { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128' },
        silent: true,
        ignoreReturnCode: true
      }
    )
    expect(exec.stdinOf(0)).toBe(PASSWORD)
    const argv = exec.getExecOutput.mock.calls[0][1] ?? []
    expect(argv.some(arg => arg.includes(PASSWORD))).toBe(false)
  })

  it('succeeds quietly when docker says Login Succeeded', async () => {
    exec.answerDocker(() => ({ exitCode: 0, stdout: 'Login Succeeded\n', stderr: UNENCRYPTED }))
    await expect(dockerLogin(HOST, 'AWS', PASSWORD, {})).resolves.toBeUndefined()
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
    'Error: Cannot perform an interactive login from a non TTY device',
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'
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
    exec.answerDocker(
      () => new Error('Unable to locate executable file: docker. Please verify either the file path exists or ...')
    )
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe(DOCKER_MISSING_HELP)
    expect(DOCKER_MISSING_HELP).toMatch(/^docker is not on PATH\./)
  })

  it('quotes any other failure to start docker', async () => {
    exec.answerDocker(() => new Error('spawn docker EACCES'))
    const error = await loginError()
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe('docker login could not run: spawn docker EACCES')
  })

  it('logs docker output at debug level only, without the password', async () => {
    exec.answerDocker(() => ({ exitCode: 0, stdout: 'Login Succeeded\n', stderr: UNENCRYPTED }))
    await dockerLogin(HOST, 'AWS', PASSWORD, {})
    expect(core.debug).toHaveBeenCalledExactlyOnceWith(`docker login ${HOST}: exit 0; Login Succeeded`)
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
    ['Cannot connect to the Docker daemon', 'failed']
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
    await expect(dockerLogout(HOST, { PATH: '/usr/bin', GONE: undefined })).resolves.toBeUndefined()
    expect(exec.getExecOutput).toHaveBeenCalledExactlyOnceWith('docker', ['logout', HOST], {
      input: undefined,
      env: { PATH: '/usr/bin' },
      silent: true,
      ignoreReturnCode: true
    })
  })

  it("returns docker's message when the logout fails", async () => {
    exec.answerDocker(() => ({ exitCode: 1, stdout: '', stderr: `Not logged in to ${HOST}\n` }))
    await expect(dockerLogout(HOST, {})).resolves.toBe(`Not logged in to ${HOST}`)
    exec.answerDocker(() => ({ exitCode: 2, stdout: '', stderr: '' }))
    await expect(dockerLogout(HOST, {})).resolves.toBe('exit code 2')
  })

  it('throws the missing-docker help when docker is not on PATH', async () => {
    exec.answerDocker(() => new Error('Unable to locate executable file: docker.'))
    await expect(dockerLogout(HOST, {})).rejects.toThrow(DOCKER_MISSING_HELP)
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

describe('dockerOnPath', () => {
  it('finds an executable docker in a PATH directory', () => {
    const docker = exec.makeDockerDir()
    try {
      expect(dockerOnPath({ PATH: docker.dir })).toBe(true)
      expect(dockerOnPath({ PATH: ['', '/nonexistent/bin', docker.dir].join(delimiter) })).toBe(true)
    } finally {
      docker.remove()
    }
  })

  it('does not count a docker file that is not executable', () => {
    const docker = exec.makeDockerDir(false)
    try {
      expect(dockerOnPath({ PATH: docker.dir })).toBe(false)
    } finally {
      docker.remove()
    }
  })

  it.each([{ PATH: '' }, {}, { PATH: '/nonexistent/bin' }])('is false for %j', env => {
    expect(dockerOnPath(env)).toBe(false)
  })
})
