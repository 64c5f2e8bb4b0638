import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { readInputs } from '../src/inputs.js'
import type { CredentialAgentState } from '../src/state.js'
import * as setup from '../src/credential-setup.js'
import { stopCredentialAgent } from '../src/credential-stop.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const DIST = join(import.meta.dirname, '..', 'dist')
const SECRET_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-in-env',
  AWS_SESSION_TOKEN: 'aws-session-in-env',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/idtoken?api-version=2.0',
  GITHUB_TOKEN: 'ghs_not_a_real_token',
  HTTPS_PROXY: 'http://user:proxy-password@proxy:3128',
  INPUT_REGISTRIES: HOST
}

let temp: string
beforeEach(() => {
  core.resetCore()
  temp = mkdtempSync(join(tmpdir(), 'ecr-login-setup-'))
})
afterEach(() => rmSync(temp, { recursive: true, force: true }))

describe('agentEnvironment', () => {
  it('keeps where files and certificates are, and the runner’s tracking ID; nothing secret', () => {
    const env = {
      ...SECRET_ENV,
      PATH: '/usr/bin',
      HOME: '/home/runner',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      TMPDIR: '/t',
      RUNNER_TRACKING_ID: 'github_1f3d9475-6c94-40ee-a160-8b3fd282c3a1'
    }
    expect(setup.agentEnvironment(env)).toEqual({
      RUNNER_TRACKING_ID: 'github_1f3d9475-6c94-40ee-a160-8b3fd282c3a1',
      PATH: '/usr/bin',
      HOME: '/home/runner',
      NODE_EXTRA_CA_CERTS: '/ca.pem',
      TMPDIR: '/t'
    })
  })
})

describe('helperScript', () => {
  it('on Linux and macOS: sh that execs the runner’s node with the helper bundle and the folder, quoted', () => {
    expect(
      setup.helperScript('linux', "/opt/it's node/bin/node", '/a/dist/credential-helper/index.js', '/t/ecr')
    ).toEqual({
      name: 'docker-credential-ecr-login-action',
      text:
        "#!/bin/sh\n# docker's credential helper of ecr-login: asks this job's credential agent.\n" +
        `exec '/opt/it'\\''s node/bin/node' '/a/dist/credential-helper/index.js' '/t/ecr' "$@"\n`
    })
  })

  it('on Windows: a .cmd that runs node.exe by its path, with % doubled', () => {
    expect(
      setup.helperScript(
        'win32',
        'C:\\hostedtoolcache\\node\\node.exe',
        'D:\\a\\_actions\\o\\ecr-login\\v1\\dist\\credential-helper\\index.js',
        'D:\\a\\_temp\\100%\\ecr-login-agent-x'
      )
    ).toEqual({
      name: 'docker-credential-ecr-login-action.cmd',
      text:
        '@"C:\\hostedtoolcache\\node\\node.exe" "D:\\a\\_actions\\o\\ecr-login\\v1\\dist\\credential-helper\\index.js" ' +
        '"D:\\a\\_temp\\100%%\\ecr-login-agent-x" %*\r\n'
    })
  })
})

describe('helperConfigFile', () => {
  it('is podman’s auth file, the job’s docker config, or the user’s', () => {
    const env = { HOME: '/home/runner', DOCKER_CONFIG: undefined }
    expect(setup.helperConfigFile({ client: 'podman', authFile: '/run/user/1/containers/auth.json' }, env)).toBe(
      '/run/user/1/containers/auth.json'
    )
    expect(setup.helperConfigFile({ client: 'docker', dockerConfig: '/t/job', jobDir: '/t/job' }, env)).toBe(
      '/t/job/config.json'
    )
    expect(setup.helperConfigFile({ client: 'docker' }, env)).toBe('/home/runner/.docker/config.json')
    expect(setup.helperConfigFile({ client: 'docker' }, { ...env, DOCKER_CONFIG: '/d' })).toBe('/d/config.json')
  })
})

describe('dropStaleHelperEntry', () => {
  it('removes an entry naming our helper, left by a job that ended before its post step, and warns', () => {
    const file = join(temp, 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { [HOST]: {} }, credHelpers: { [HOST]: 'ecr-login-action' } }))
    setup.dropStaleHelperEntry({ client: 'docker', dockerConfig: temp }, HOST, {})
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: {} })
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      `Removed the credHelpers entry for ${HOST} from ${file}: a job with credential-helper: true left it when it ` +
        `ended before its post step, and its helper is gone.`
    )
  })

  it('leaves any other config alone, and one docker cannot read either (docker reports it)', () => {
    const file = join(temp, 'config.json')
    for (const text of ['{"credHelpers":{"x":"ecr-login"}}', '{"auths": ']) {
      writeFileSync(file, text)
      setup.dropStaleHelperEntry({ client: 'docker', dockerConfig: temp }, HOST, {})
      expect(readFileSync(file, 'utf8')).toBe(text)
    }
    expect(core.warning).not.toHaveBeenCalled()
  })
})

describe('renewalPlan', () => {
  const credentials = { accessKeyId: 'AKIA', secretAccessKey: 'sk', sessionToken: 'st', expiration: new Date(0) }

  it('with role-to-assume: the role and the job’s OIDC request; no AWS credentials or variables', () => {
    const inputs = readInputs(
      name =>
        ({ 'role-to-assume': 'arn:aws:iam::123456789012:role/r', 'aws-region': 'eu-west-1' })[name as string] ?? '',
      SECRET_ENV
    )
    const plan = setup.renewalPlan(inputs, credentials, SECRET_ENV, {
      url: SECRET_ENV.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: SECRET_ENV.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    })
    expect(plan.webIdentity).toEqual({
      settings: inputs.webIdentity,
      request: { url: SECRET_ENV.ACTIONS_ID_TOKEN_REQUEST_URL, requestToken: SECRET_ENV.ACTIONS_ID_TOKEN_REQUEST_TOKEN }
    })
    expect(plan.credentials).toBeUndefined()
    expect(plan.awsEnv).toEqual({})
    expect(plan.stsRegion).toBe('eu-west-1')
    expect(plan.groups.map(group => group.region)).toEqual(['eu-west-1'])
  })

  it('else: the credentials main found and the AWS_* variables, nothing else of the environment', () => {
    const inputs = readInputs(name => ({ registries: HOST })[name as string] ?? '', SECRET_ENV)
    const plan = setup.renewalPlan(inputs, { ...credentials, $source: {} } as typeof credentials, SECRET_ENV)
    expect(plan.webIdentity).toBeUndefined()
    expect(plan.credentials).toEqual({
      accessKeyId: 'AKIA',
      secretAccessKey: 'sk',
      sessionToken: 'st',
      expiration: '1970-01-01T00:00:00.000Z'
    })
    expect(plan.awsEnv).toEqual({
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-in-env',
      AWS_SESSION_TOKEN: 'aws-session-in-env'
    })
    expect(plan.proxy.url).toBe(SECRET_ENV.HTTPS_PROXY)
  })
})

describe('startCredentialAgent and stopCredentialAgent, with the built agent and helper', () => {
  it('hands the login over on the pipe; the helper script answers; post stops it and cleans up', async () => {
    const configFile = join(temp, 'docker', 'config.json')
    let state: CredentialAgentState | undefined
    const launch = {
      node: process.execPath,
      distDir: DIST,
      env: { ...SECRET_ENV, RUNNER_TEMP: temp, PATH: process.env.PATH },
      platform: process.platform,
      watchPid: process.pid,
      save: (saved: CredentialAgentState) => (state = structuredClone(saved))
    }
    const agent = setup.startCredentialAgent({ client: 'docker', dockerConfig: join(temp, 'docker') }, plan(), launch)
    await agent.handOver({ host: HOST, username: 'AWS', password: 'pw-handed-over', expiresAt: new Date(2099, 0) })
    agent.close()

    const dir = state!.dir
    expect(dir.startsWith(join(temp, 'ecr-login-agent-'))).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'agent.json')).mode & 0o777).toBe(0o600)
    expect(state).toEqual({ dir, file: configFile, previous: { [HOST]: null } })
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ credHelpers: { [HOST]: 'ecr-login-action' } })
    expect(core.addPath).toHaveBeenCalledWith(dir)
    expect(core.secrets()).toContain((JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { key: string }).key)

    const helper = join(dir, 'docker-credential-ecr-login-action')
    expect(JSON.parse(execFileSync(helper, ['get'], { input: HOST, encoding: 'utf8' }))).toEqual({
      ServerURL: HOST,
      Username: 'AWS',
      Secret: 'pw-handed-over'
    })
    const pid = Number(/process (\d+)/.exec(core.printed().join('\n'))?.[1])
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1')
    for (const secret of ['pw-handed-over', ...Object.values(SECRET_ENV)]) {
      expect(environ).not.toContain(secret)
      expect(cmdline).not.toContain(secret)
    }

    await stopCredentialAgent(state!)
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.printed()).toContain('Stopped the credential agent: no process holds the ECR passwords any more.')
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({})
    expect(existsSync(dir)).toBe(false)
    await vi.waitFor(() => expect(existsSync(`/proc/${pid}`)).toBe(false))

    // Once more, with the agent gone: a warning, never a failure.
    await stopCredentialAgent(state!)
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      'The credential agent had already ended (its endpoint file is gone); nothing holds the ECR passwords any more.'
    )
  })

  it('fails clearly when the agent cannot start', async () => {
    const launch = {
      node: process.execPath,
      distDir: join(temp, 'no-dist'),
      env: { RUNNER_TEMP: temp },
      platform: process.platform,
      watchPid: process.pid,
      save: vi.fn()
    }
    const agent = setup.startCredentialAgent({ client: 'docker', dockerConfig: temp }, plan(), launch)
    await expect(agent.handOver({ host: HOST, username: 'AWS', password: 'p' })).rejects.toThrow(
      /^credential-helper: the credential agent ended \(exit code 1\) before it listened\.$/
    )
    agent.close()
  })
})

function plan() {
  return { groups: [], stsRegion: 'eu-west-1', awsEnv: {}, proxy: {}, retryMaxAttempts: 1, timeoutSeconds: 5 }
}
