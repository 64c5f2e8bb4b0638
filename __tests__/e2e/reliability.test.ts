// Faults injected in front of every peer (OIDC, STS, ECR, the registry): transient ones are
// retried until the step succeeds; persistent ones and stalls fail in bounded time with a message.
// The registry's faults meet the step's own login check (GET /v2/), with or without a daemon: no
// docker process talks to the registry during the main step.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { awsErrorBody } from './support/aws-front.js'
import { type Fault, times } from './support/faults.js'
import {
  DOCKER_PATHS,
  expectCleanAfterPost,
  HOSTS,
  REPO_ROOT,
  ROLE_ARN,
  useFaultyRegistry,
  useHarness
} from './support/harness.js'

const h = useHarness()
const OIDC_INPUTS = { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' }
const registry = useFaultyRegistry(h)
afterEach(() => {
  h.aws.faults.clear()
  h.oidc.faults.clear()
  registry.faults.clear()
})

function sleep(ms: number): Promise<void> {
  return ms > 0 ? sleepFor(ms) : Promise.resolve()
}

/** Whether `pid` still runs (a zombie waiting for its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const THROTTLED_ECR = awsErrorBody('ecr', 'ThrottlingException', 'Rate exceeded')
const THROTTLED_STS = awsErrorBody('sts', 'Throttling', 'Rate exceeded')
const UNAVAILABLE: Fault = { kind: 'status', status: 503, body: 'Service Unavailable' }
const TOO_MANY: Fault = { kind: 'status', status: 429, body: 'Too Many Requests' }
const RESET: Fault = { kind: 'reset' }

describe.each(DOCKER_PATHS)('transient faults are retried until the step succeeds ($name)', ({ daemon }) => {
  // What the step's log says of each registry fault it retried.
  it.each([
    [
      'HTTP 503 and throttling',
      UNAVAILABLE,
      THROTTLED_STS,
      THROTTLED_ECR,
      UNAVAILABLE,
      'failed (GET /v2/ answered HTTP 503); retrying'
    ],
    [
      'HTTP 429',
      TOO_MANY,
      { ...TOO_MANY, body: 'Rate exceeded' },
      { ...TOO_MANY },
      TOO_MANY,
      'is throttled (GET /v2/ answered HTTP 429)'
    ],
    ['reset connections', RESET, RESET, RESET, RESET, `failed (socket hang up); retrying`]
  ])(
    '%s on the OIDC, STS, ECR and registry calls',
    async (_name, oidcFault, stsFault, ecrFault, registryFault, words) => {
      h.oidc.faults.add(() => true, times(2, oidcFault))
      h.aws.faults.add(call => call.service === 'sts', times(2, stsFault))
      h.aws.faults.add(call => call.service === 'ecr', times(2, ecrFault))
      registry.faults.add(request => request.path === '/v2/', times(2, registryFault))
      const job = h.job({ oidc: true, daemon })
      const oidcBefore = h.oidc.requests.length
      const awsBefore = h.aws.calls.length
      const registryBefore = registry.requests.length

      const main = await job.uses(REPO_ROOT, { ...OIDC_INPUTS, registries: HOSTS.faulty })

      expect(main.exitCode, job.log).toBe(0)
      expect(h.oidc.requests.length - oidcBefore).toBe(3)
      const calls = h.aws.since(awsBefore)
      expect(calls.filter(call => call.service === 'sts').map(call => call.fault ?? 'ok')).toEqual([
        stsFault.kind,
        stsFault.kind,
        'ok'
      ])
      expect(calls.filter(call => call.service === 'ecr').map(call => call.fault ?? 'ok')).toEqual([
        ecrFault.kind,
        ecrFault.kind,
        'ok'
      ])
      // One line per retry of other failures; one per call for throttling (retried until the deadline).
      expect(main.log.match(/retrying in \d+\.\d s \(attempt 2 of 5\)| is throttled \(/g)).toHaveLength(4)
      expect(main.log).toContain(`ECR registry ${HOSTS.faulty} ${words}`)
      // The step's three checks, each with the credentials, and nothing else.
      const checks = registry.requests.slice(registryBefore).map(r => `${r.method} ${r.path} ${r.authorized}`)
      expect(checks).toEqual(['GET /v2/ true', 'GET /v2/ true', 'GET /v2/ true'])
      expect(main.log).toContain(`Logged in to ${HOSTS.faulty} as AWS`)
      expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.faulty])
      await expectCleanAfterPost(job)
    }
  )
})

describe('a stalled AWS call', () => {
  it('a 10-second stall of ECR is cut by the per-attempt timeout and retried', async () => {
    h.aws.faults.add(call => call.service === 'ecr', [{ kind: 'stall', ms: 10_000 }])
    const job = h.job({ ambient: true })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA })
    expect(main.exitCode, job.log).toBe(0)
    expect(main.log).toMatch(/ECR GetAuthorizationToken in eu-west-1 failed \(.*\); retrying/)
    expect(main.durationMs).toBeLessThan(10_000)
    await expectCleanAfterPost(job)
  })
})

describe('persistent faults fail in bounded time with a clear message', () => {
  // Throttling is retried until the deadline instead: see throttling.test.ts.
  it('ECR unavailable beyond retry-max-attempts names the call and the input to raise', async () => {
    h.aws.faults.add(call => call.service === 'ecr', times(10, UNAVAILABLE))
    const job = h.job({ ambient: true })
    const before = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'retry-max-attempts': '3' })
    expect(main.exitCode).toBe(1)
    expect(h.aws.since(before).filter(call => call.service === 'ecr')).toHaveLength(3)
    expect(main.log).toContain(
      'Error: ECR GetAuthorizationToken in eu-west-1 failed 3 time(s) with a transient error, the last: '
    )
    expect(main.log).toContain("raise 'retry-max-attempts'")
    expect(main.durationMs).toBeLessThan(10_000)
    await expectCleanAfterPost(job)
  })

  it('an STS stall beyond timeout-seconds fails naming the call it waited for', async () => {
    h.aws.faults.add(call => call.service === 'sts', [{ kind: 'stall', ms: 20_000 }])
    const job = h.job({ oidc: true })
    const main = await job.uses(REPO_ROOT, { ...OIDC_INPUTS, 'timeout-seconds': '2' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(
      'Error: Timed out after 2 s (timeout-seconds) while waiting for STS AssumeRoleWithWebIdentity in eu-west-1.'
    )
    expect(main.durationMs).toBeLessThan(5_000)
    await expectCleanAfterPost(job)
  })

  it('a docker logout that hangs is stopped: post warns and exits 0 within its bound', async () => {
    const job = h.job({ ambient: true })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'timeout-seconds': '2' })
    expect(main.exitCode, job.log).toBe(0)
    // A docker whose logout never returns, as with a credential helper waiting for a locked keyring.
    const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
    const bin = join(job.dir, 'hanging-bin')
    const pidFile = join(job.dir, 'hanging-logout.pid')
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1" = logout ]; then sleep 300 & echo $! > '${pidFile}'; wait; fi\nexec ${realDocker} "$@"\n`,
      { mode: 0o755 }
    )
    const posts = await job.finish({ PATH: `${bin}:${process.env.PATH}` })
    expect(posts.map(post => post.exitCode)).toEqual([0])
    expect(posts[0].durationMs).toBeLessThan(5_000)
    expect(posts[0].log).toContain(
      `Warning: Could not log out of ${HOSTS.euA}: docker logout gave no answer within 2 s and was stopped`
    )
    const helper = Number(readFileSync(pidFile, 'utf8'))
    expect(running(helper)).toBe(false)
  })

  it('one region refusing fails that call only; the other region’s host is logged in, then out', async () => {
    h.aws.faults.add(
      call => call.service === 'ecr' && call.region === 'us-east-1',
      [awsErrorBody('ecr', 'AccessDeniedException', 'User: arn:aws:iam::123456789012:user/ci is not authorized')]
    )
    const job = h.job({ ambient: true })
    const main = await job.uses(REPO_ROOT, { registries: [HOSTS.euA, HOSTS.usB].join(',') })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain('Error: ECR GetAuthorizationToken in us-east-1 was refused (AccessDeniedException:')
    expect(main.log).toContain(`Logged in to ${HOSTS.euA}; the post step logs out of them.`)
    expect(main.outputs.registries).toBe(HOSTS.euA)
    await expectCleanAfterPost(job)
  })
})

describe.each(DOCKER_PATHS)('a registry that keeps failing or stalls ($name)', ({ daemon }) => {
  it('a registry that keeps failing fails its host only; the other host is logged in, then out', async () => {
    registry.faults.add(request => request.path === '/v2/', times(20, UNAVAILABLE))
    const job = h.job({ ambient: true, daemon })
    const before = registry.requests.length
    const main = await job.uses(REPO_ROOT, {
      registries: [HOSTS.euA, HOSTS.faulty].join(','),
      'retry-max-attempts': '2'
    })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(
      `Error: ECR registry ${HOSTS.faulty} failed 2 time(s) with a transient error, the last: GET /v2/ answered HTTP 503.`
    )
    expect(registry.requests.length - before).toBe(2)
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
    expect(main.log).toContain(`Logged in to ${HOSTS.euA}; the post step logs out of them.`)
    await expectCleanAfterPost(job)
  })

  // Both in one test, so that the suite waits for the end of one stall, not two.
  it('a login check stalled past the deadline, and one in a cancelled run (SIGINT, then SIGTERM), are cut: nothing is written, even once the stall ends', async () => {
    const STALL_MS = 6_000
    registry.faults.add(
      request => request.path === '/v2/',
      [
        { kind: 'stall', ms: STALL_MS },
        { kind: 'stall', ms: STALL_MS }
      ]
    )
    const started = Date.now()
    const before = registry.requests.length

    const timedOut = h.job({ ambient: true, daemon })
    const timedOutMain = timedOut.uses(REPO_ROOT, {
      registries: [HOSTS.euA, HOSTS.faulty].join(','),
      'timeout-seconds': '2'
    })
    let cancelledPid: number | undefined
    const cancelled = h.job({ ambient: true, daemon, onStepStart: pid => (cancelledPid ??= pid) })
    const cancelledMain = cancelled.uses(REPO_ROOT, { registries: HOSTS.faulty })
    // As the runner cancels: SIGINT while both checks wait for the registry, SIGTERM 1 s later.
    await vi.waitFor(() => expect(registry.requests.length - before).toBeGreaterThanOrEqual(2), {
      timeout: 10_000,
      interval: 50
    })
    const signalled = Date.now()
    process.kill(cancelledPid!, 'SIGINT')
    await sleep(1_000)
    try {
      process.kill(cancelledPid!, 'SIGTERM')
    } catch {
      // Gone already, as it should be.
    }

    const [deadline, cancel] = await Promise.all([timedOutMain, cancelledMain])
    expect(deadline.exitCode).toBe(1)
    expect(deadline.log).toContain(
      `Error: Timed out after 2 s (timeout-seconds) while waiting for ECR registry ${HOSTS.faulty}.`
    )
    expect(deadline.durationMs).toBeLessThan(5_000)
    // A host is saved for post only once its check has passed: nothing of the stalled one was kept.
    expect(JSON.parse(deadline.state.registries ?? '[]')).toEqual([HOSTS.euA])
    expect(Object.keys(timedOut.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
    expect(cancelled.dockerConfigJson().auths ?? {}).toEqual({})
    const cancelEnded = Date.now()
    await expectCleanAfterPost(timedOut)
    await expectCleanAfterPost(cancelled)
    // Had a check lived on, the login would be written when the registry answers.
    await sleep(started + STALL_MS + 1_500 - Date.now())
    expect(timedOut.dockerConfigJson().auths ?? {}).toEqual({})
    expect(cancelled.dockerConfigJson().auths ?? {}).toEqual({})
    // Each check was one request, cut, not retried past the deadline or the cancel.
    expect(registry.requests.length - before).toBe(2)
    expect(cancel.exitCode).not.toBe(0)
    expect(cancel.log).toContain(
      `Error: The run was cancelled (SIGINT) while waiting for ECR registry ${HOSTS.faulty}.`
    )
    expect(cancelEnded - signalled).toBeLessThan(3_000)
  })
})
