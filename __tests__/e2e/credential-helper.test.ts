// credential-helper: true — no password at rest. The passwords live in the credential agent's memory;
// docker, skopeo, podman, buildah and helm ask it through docker-credential-ecr-login-action; the agent
// renews them before they expire and ends with the job, even one killed with SIGKILL.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { awsErrorBody } from './support/aws-front.js'
import { containersEnv, podmanOnlyEnv, push } from './support/clients.js'
import { AMBIENT } from './support/peers.js'
import { HOSTS, motoPassword, REPO_ROOT, ROLE_ARN, useFaultyRegistry, useHarness } from './support/harness.js'
import type { Env, Job, StepResult } from './support/runner.js'

const h = useHarness()
// On ::1, where docker's daemon reports the registry's own answers (no plain-http fallback).
const faulty = useFaultyRegistry(h)
const HELPER = 'ecr-login-action'
const PROGRAM = `docker-credential-${HELPER}`
// A registry's answer to a client that has no credentials, as each client words it.
const ANONYMOUS = /no basic auth credentials|unauthorized|authentication required|401/i

function ok(step: StepResult, job: Job): void {
  expect(step.exitCode, `${step.name}:\n${step.log}\n\njob:\n${job.log}`).toBe(0)
}

/** What a later step of the job sees: the variables main exported (the runner adds its PATH itself). */
function laterEnv(main: StepResult, env: Env = {}): Env {
  return { ...main.exportedEnv, ...env }
}

/** The secrets of a login: the password and the base64 token docker would keep in `auth`. */
function secretsOf(hosts: string[]): string[] {
  return hosts.flatMap(host => [motoPassword(host), Buffer.from(`AWS:${motoPassword(host)}`).toString('base64')])
}

/** Files under `dir` (modified since `since`, when given; not under `skip`) holding one of `needles`. */
function filesHolding(
  dir: string,
  needles: string[],
  since = 0,
  skip: (path: string) => boolean = () => false
): string[] {
  const found: string[] = []
  const walk = (path: string): void => {
    if (skip(path)) return
    let entries: string[]
    try {
      entries = readdirSync(path)
    } catch {
      return
    }
    for (const name of entries) {
      const file = join(path, name)
      let stat
      try {
        stat = statSync(file, { throwIfNoEntry: false })
      } catch {
        continue
      }
      if (!stat) continue
      if (stat.isDirectory()) walk(file)
      else if (stat.isFile() && stat.mtimeMs >= since && stat.size < 64 << 20) {
        let text: string
        try {
          text = readFileSync(file, 'latin1')
        } catch {
          continue
        }
        if (needles.some(needle => text.includes(needle))) found.push(file)
      }
    }
  }
  walk(dir)
  return found
}

/** The agent the job's main step started: a node running dist/agent, in its folder under RUNNER_TEMP. */
function agentOf(main: StepResult): { pid: number; dir: string; socket: string } {
  const pid = Number(/Started the credential agent \(process (\d+)\)/.exec(main.log)?.[1])
  expect(pid, main.log).toBeGreaterThan(0)
  const dir = readlinkSync(`/proc/${pid}/cwd`)
  return { pid, dir, socket: join(dir, 'agent.sock') }
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
}

async function gone(pid: number, withinMs: number): Promise<number> {
  const started = Date.now()
  while (alive(pid) && Date.now() - started < withinMs + 3000) await new Promise(resolve => setTimeout(resolve, 50))
  return Date.now() - started
}

function configOf(file: string): { auths?: Record<string, Record<string, unknown>>; credHelpers?: object } {
  return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof configOf>
}

describe.each([
  { config: 'default', daemon: false },
  { config: 'default', daemon: true },
  { config: 'job', daemon: false },
  { config: 'job', daemon: true }
])('docker-config: $config, daemon: $daemon', ({ config, daemon }) => {
  it('keeps the passwords in the agent only; a later step pushes; post removes the entries and stops it', async () => {
    const job = h.job({ ambient: true, daemon })
    const hosts = [HOSTS.euA, HOSTS.usB]
    const started = Date.now()
    const main = await job.uses(REPO_ROOT, {
      registries: hosts.join(','),
      'docker-config': config,
      'credential-helper': 'true'
    })
    ok(main, job)
    const agent = agentOf(main)
    const dockerConfig = config === 'job' ? main.exportedEnv.DOCKER_CONFIG : job.dockerConfig
    const configFile = join(dockerConfig, 'config.json')

    // The config names the helper for each host and holds no password.
    const written = configOf(configFile)
    expect(written.credHelpers).toEqual({ [HOSTS.euA]: HELPER, [HOSTS.usB]: HELPER })
    for (const host of hosts) expect(written.auths?.[host] ?? {}).not.toHaveProperty('auth')
    // No file holds a password or a token: the job's HOME, RUNNER_TEMP, docker config, nor /tmp.
    const secrets = secretsOf(hosts)
    for (const dir of [join(job.dir, 'home'), join(job.dir, 'temp'), dockerConfig, job.dir]) {
      expect(filesHolding(dir, secrets), dir).toEqual([])
    }
    // Other runs of the suite's peers on this machine (a bench) hold moto's same passwords: not theirs.
    const otherRuns = (path: string): boolean => /^\/tmp\/ecr-login-e2e-[^/]+$/.test(path) && path !== h.peers.dir
    expect(filesHolding('/tmp', secrets, started, otherRuns)).toEqual([])
    // Nor the agent's command line or environment.
    const processText = ['cmdline', 'environ'].map(file => readFileSync(`/proc/${agent.pid}/${file}`, 'latin1'))
    for (const secret of [...secrets, AMBIENT.AWS_SECRET_ACCESS_KEY, AMBIENT.AWS_SESSION_TOKEN]) {
      for (const text of processText) expect(text).not.toContain(secret)
    }
    expect(statSync(agent.dir).mode & 0o777).toBe(0o700)
    expect(statSync(agent.socket).isSocket()).toBe(true)

    // The step's outputs: no password (an output is a file of the runner); the user name stays.
    expect(Object.keys(main.outputs).filter(name => name.startsWith('docker_password_'))).toEqual([])
    expect(main.outputs.docker_username_111111111111_dkr_ecr_eu_west_1_amazonaws_com).toBe('AWS')
    expect(main.log.match(/docker_password_\* outputs are not set/g)).toHaveLength(1)
    expect(main.addedPath).toEqual([agent.dir])

    // Later steps push, with docker through the daemon, else skopeo.
    const client = daemon ? 'docker (daemon)' : 'skopeo'
    for (const host of hosts) ok(await push(job, client, host, laterEnv(main)), job)

    const [post] = await job.finish()
    ok(post, job)
    expect(post.log).not.toMatch(/Warning/)
    expect(post.log).toContain('Stopped the credential agent')
    expect(await gone(agent.pid, 1000)).toBeLessThan(1000)
    expect(existsSync(agent.dir)).toBe(false)
    if (config === 'default') {
      expect(configOf(configFile).credHelpers).toBeUndefined()
      expect(configOf(configFile).auths).toEqual({})
    } else {
      expect(existsSync(dockerConfig)).toBe(false)
    }
    const refused = await push(job, client, HOSTS.euA, laterEnv(main))
    expect(refused.exitCode).not.toBe(0)
    expect(refused.log).toMatch(ANONYMOUS)
  })
})

describe('other clients read the helper from the docker config', () => {
  it.each(['skopeo', 'podman', 'buildah', 'helm 3', 'helm 4'])('%s pushes after main', async client => {
    const job = h.job({ ambient: true })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB, 'credential-helper': 'true' })
    ok(main, job)
    ok(await push(job, client, HOSTS.euB, laterEnv(main)), job)
    ok((await job.finish())[0], job)
  })
})

describe('renewal', () => {
  it('renews a token before it expires, once: a push after the expiry goes through', async () => {
    const job = h.job({ ambient: true, daemon: true })
    h.aws.expireNextTokens(4)
    const mark = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'credential-helper': 'true' })
    ok(main, job)
    const expiresAt = Date.parse(main.outputs['expires-at'])
    expect(expiresAt - Date.now()).toBeLessThan(5000)

    await new Promise(resolve => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1500))
    ok(await push(job, 'docker (daemon)', HOSTS.euA, laterEnv(main)), job)
    const calls = h.aws.since(mark).map(call => `${call.service} ${call.action}`)
    // main's, then exactly one renewal by the agent.
    expect(calls).toEqual(['ecr GetAuthorizationToken', 'ecr GetAuthorizationToken'])
    ok((await job.finish())[0], job)
  })

  it('renews through GitHub’s OIDC token and STS again with role-to-assume', async () => {
    const job = h.job({ oidc: true })
    h.aws.expireNextTokens(4)
    const mark = h.aws.calls.length
    const oidcMark = h.oidc.requests.length
    const main = await job.uses(REPO_ROOT, {
      'role-to-assume': ROLE_ARN,
      'aws-region': 'eu-west-1',
      'credential-helper': 'true'
    })
    ok(main, job)
    await new Promise(resolve => setTimeout(resolve, 5500))
    ok(await push(job, 'skopeo', HOSTS.default, laterEnv(main)), job)
    expect(h.aws.since(mark).map(call => `${call.service} ${call.action}`)).toEqual([
      'sts AssumeRoleWithWebIdentity',
      'ecr GetAuthorizationToken',
      'sts AssumeRoleWithWebIdentity',
      'ecr GetAuthorizationToken'
    ])
    expect(h.oidc.requests.slice(oidcMark)).toHaveLength(2)
    ok((await job.finish())[0], job)
  })

  it('a renewal that fails is shown by the next docker command; once expired, the push fails saying why', async () => {
    const job = h.job({ ambient: true })
    h.aws.expireNextTokens(8)
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'credential-helper': 'true' })
    ok(main, job)
    const expiresAt = Date.parse(main.outputs['expires-at'])
    const denied = awsErrorBody(
      'ecr',
      'AccessDeniedException',
      'User: e2e is not authorized to perform: ecr:GetAuthorizationToken'
    )
    h.aws.faults.add(call => call.service === 'ecr', Array<typeof denied>(20).fill(denied))
    try {
      // Before the expiry (the agent tries 2 s before it): the password still works, and the helper
      // says the renewal failed.
      await new Promise(resolve => setTimeout(resolve, expiresAt - 1000 - Date.now()))
      const before = await job.runShell('get', `echo ${HOSTS.euA} | ${PROGRAM} get`, laterEnv(main))
      ok(before, job)
      expect(before.stderr).toContain(`could not renew the ECR password for ${HOSTS.euA}`)
      expect(before.stderr).toContain('AccessDeniedException')
      await new Promise(resolve => setTimeout(resolve, expiresAt + 1000 - Date.now()))
      const after = await push(job, 'skopeo', HOSTS.euA, laterEnv(main))
      expect(after.exitCode).not.toBe(0)
      expect(after.log).toContain(`the ECR password for ${HOSTS.euA} expired at`)
      expect(after.log).toContain('could not be renewed: ECR GetAuthorizationToken in eu-west-1 was refused')
    } finally {
      h.aws.faults.clear()
    }
    ok((await job.finish())[0], job)
  })
})

describe('the end of the job', () => {
  it('runner and step killed with SIGKILL: the agent ends within 2 s; a later pull is anonymous, at once', async () => {
    // A stand-in for the runner's worker: it runs the step's node as its child, then lives on, as the
    // runner does through the job's later steps, until killed.
    const runner = join(h.peers.dir, `runner-${Date.now()}.sh`)
    writeFileSync(runner, `#!/bin/bash\n"$E2E_NODE" "$@"\ncode=$?\nsleep 600 &\necho $code > "$E2E_STEP_DONE"\nwait\n`)
    chmodSync(runner, 0o755)
    let stepPid = 0
    const job = h.job({
      ambient: true,
      daemon: true,
      node: runner,
      onStepStart: (pid, name) => (stepPid ||= name.startsWith('main') ? pid : 0)
    })
    const done = join(job.dir, 'main-done')
    const running = job.uses(
      REPO_ROOT,
      { registries: HOSTS.faulty, 'credential-helper': 'true' },
      { E2E_NODE: h.peers.node24, E2E_STEP_DONE: done }
    )
    while (!existsSync(done)) await new Promise(resolve => setTimeout(resolve, 50))
    expect(readFileSync(done, 'utf8').trim()).toBe('0')
    const addedPath = readFileSync(join(job.dir, 'step-1', 'path'), 'utf8').trim()
    const env = { PATH: `${addedPath}:${process.env.PATH}` }
    ok(await push(job, 'docker (daemon)', HOSTS.faulty, env), job)
    const agentPid = Number(
      execFileSync('pgrep', ['-f', 'dist/agent/index.js'], { encoding: 'utf8' })
        .split('\n')
        .find(pid => pid && readlinkSync(`/proc/${pid}/cwd`) === addedPath)
    )
    expect(alive(agentPid)).toBe(true)

    // The whole tree: the runner and what it runs.
    const tree = execFileSync('ps', ['-o', 'pid=', '--ppid', String(stepPid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
    for (const pid of [stepPid, ...tree]) process.kill(pid, 'SIGKILL')
    const main = await running
    expect(main.exitCode).not.toBe(0)
    expect(await gone(agentPid, 2000)).toBeLessThan(2000)
    expect(existsSync(join(addedPath, 'agent.sock'))).toBe(false)
    expect(existsSync(join(addedPath, 'agent.json'))).toBe(false)
    expect(filesHolding(job.dir, secretsOf([HOSTS.faulty]))).toEqual([])

    // The agent put the config back as it ended: a later pull goes without credentials, at once.
    expect(job.dockerConfigJson().credHelpers).toBeUndefined()
    const requests = faulty.requests.length
    const pull = await job.runShell('pull', `docker pull -q ${HOSTS.faulty}/e2e/any:1`, env)
    expect(pull.exitCode).not.toBe(0)
    expect(faulty.requests.slice(requests).filter(request => request.authorized)).toEqual([])
    expect(pull.log).toMatch(ANONYMOUS)
    expect(pull.durationMs).toBeLessThan(10_000)
  })

  it('the agent itself killed with SIGKILL, nothing after: what the entry left behind does', async () => {
    const job = h.job({ ambient: true, daemon: true })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.faulty, 'credential-helper': 'true' })
    ok(main, job)
    const agent = agentOf(main)
    process.kill(agent.pid, 'SIGKILL')
    await gone(agent.pid, 1000)
    expect(job.dockerConfigJson().credHelpers).toEqual({ [HOSTS.faulty]: HELPER })

    // In the job: the helper answers "not found" at once, and docker goes on without credentials.
    const get = await job.runShell('get', `echo ${HOSTS.faulty} | ${PROGRAM} get`)
    expect(get.exitCode).toBe(1)
    expect(get.stdout.trim()).toBe('credentials not found in native keychain')
    expect(get.durationMs).toBeLessThan(2000)
    const requests = faulty.requests.length
    const pull = await job.runShell('pull', `docker pull -q ${HOSTS.faulty}/e2e/any:1`)
    expect(pull.exitCode).not.toBe(0)
    expect(pull.log).toMatch(ANONYMOUS)
    expect(pull.durationMs).toBeLessThan(10_000)
    expect(faulty.requests.slice(requests).filter(request => request.authorized)).toEqual([])

    // A later job on this runner (same docker config; the helper is not on its PATH): docker pull
    // goes on without credentials; skopeo stops at the entry; this action without the mode removes
    // the entry, with a warning, and logs in.
    const next = h.job({ ambient: true, daemon: true, dockerConfig: job.dockerConfig })
    const stale = await next.runShell('pull', `docker pull -q ${HOSTS.faulty}/e2e/any:1`)
    expect(stale.log).toMatch(ANONYMOUS)
    const skopeo = await next.runShell(
      'inspect',
      `skopeo inspect --raw docker://${HOSTS.faulty}/e2e/any:1`,
      containersEnv(join(next.dir, 'containers'))
    )
    expect(skopeo.exitCode).not.toBe(0)
    expect(skopeo.log).toContain('error getting credentials')
    const again = await next.uses(REPO_ROOT, { registries: HOSTS.faulty })
    ok(again, next)
    expect(again.log).toContain(`Warning: Removed the credHelpers entry for ${HOSTS.faulty}`)
    expect(next.dockerConfigJson().credHelpers).toBeUndefined()
    expect(next.dockerConfigJson().auths?.[HOSTS.faulty]).toHaveProperty('auth')
    ok((await next.finish())[0], next)
  })

  it('post with the agent already gone warns, exits 0 and removes the entries', async () => {
    const job = h.job({ ambient: true })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB, 'credential-helper': 'true' })
    ok(main, job)
    const agent = agentOf(main)
    process.kill(agent.pid, 'SIGKILL')
    await gone(agent.pid, 1000)

    const [post] = await job.finish()
    ok(post, job)
    expect(post.log).toContain('Warning: The credential agent had already ended')
    expect(job.dockerConfigJson().credHelpers).toBeUndefined()
    expect(job.dockerConfigJson().auths).toEqual({})
    expect(existsSync(agent.dir)).toBe(false)
  })
})

describe('a runner with podman and no docker', () => {
  it('names the helper in the containers auth file; podman login stores through it; skopeo pushes', async () => {
    const job = h.job({ ambient: true })
    const env = podmanOnlyEnv(job)
    const authFile = join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB, 'credential-helper': 'true' }, env)
    ok(main, job)
    const written = configOf(authFile)
    expect(written.credHelpers).toEqual({ [HOSTS.euB]: HELPER })
    expect(filesHolding(job.dir, secretsOf([HOSTS.euB]))).toEqual([])
    ok(await push(job, 'skopeo', HOSTS.euB, laterEnv(main, env)), job)

    ok((await job.finish())[0], job)
    expect(configOf(authFile).credHelpers).toBeUndefined()
    const refused = await push(job, 'skopeo', HOSTS.euB, laterEnv(main, env))
    expect(refused.exitCode).not.toBe(0)
  })
})
