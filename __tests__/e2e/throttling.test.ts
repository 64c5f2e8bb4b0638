// Throttling (ThrottlingException, "Rate exceeded", HTTP 429) is a shared quota running out: it is
// retried until the step's deadline, not for retry-max-attempts, and the log says so once per call.
import { afterEach, describe, expect, it } from 'vitest'
import { awsErrorBody } from './support/aws-front.js'
import { during, type Fault, times } from './support/faults.js'
import { expectCleanAfterPost, HOSTS, REPO_ROOT, ROLE_ARN, useFaultyRegistry, useHarness } from './support/harness.js'

const h = useHarness()
const registry = useFaultyRegistry(h)
afterEach(() => {
  h.aws.faults.clear()
  h.oidc.faults.clear()
  registry.faults.clear()
})

const THROTTLED_ECR = awsErrorBody('ecr', 'ThrottlingException', 'Rate exceeded')
const THROTTLED_STS = awsErrorBody('sts', 'Throttling', 'Rate exceeded')
const TOO_MANY: Fault = { kind: 'status', status: 429, body: 'Too Many Requests' }
// Far more than any test makes: `during` decides when they stop.
const PLENTY = 10_000

function lines(log: string, pattern: RegExp): string[] {
  return log.split('\n').filter(line => pattern.test(line))
}

describe('throttling is retried until the deadline', () => {
  it('ECR throttling for 6 s, past retry-max-attempts: logs in, saying once that it was throttled', async () => {
    const throttled = during(6000)
    h.aws.faults.add(call => call.service === 'ecr' && throttled(), times(PLENTY, THROTTLED_ECR))
    const job = h.job({ ambient: true })
    const before = h.aws.calls.length

    const main = await job.uses(REPO_ROOT, {
      registries: HOSTS.euA,
      'retry-max-attempts': '2',
      'timeout-seconds': '30'
    })

    expect(main.exitCode, job.log).toBe(0)
    const ecr = h.aws.since(before).filter(call => call.service === 'ecr')
    expect(ecr.filter(call => call.fault).length).toBeGreaterThan(2)
    expect(ecr.at(-1)?.fault).toBeUndefined()
    expect(lines(main.log, /throttl/)).toEqual([
      expect.stringMatching(
        /^ECR GetAuthorizationToken in eu-west-1 is throttled \(ThrottlingException: Rate exceeded\); retrying with backoff of up to 5\.0 s until it goes through or the step's deadline passes$/
      ),
      expect.stringMatching(
        new RegExp(
          `^ECR GetAuthorizationToken in eu-west-1 went through after ${ecr.length - 1} throttled attempt\\(s\\) and (\\d+\\.\\d) s of waiting$`
        )
      )
    ])
    const waited = Number(/and (\d+\.\d) s of waiting/.exec(main.log)?.[1])
    expect(waited).toBeGreaterThanOrEqual(5.5)
    expect(waited).toBeLessThan(6 + 5 + 1)
    expect(main.log).not.toContain('retrying in')
    expect(main.log).toContain(`Logged in to ${HOSTS.euA} as AWS`)
    await expectCleanAfterPost(job)
  })

  it('OIDC 429 with Retry-After, STS and the registry throttled for 3 s: logs in, one line per throttled call', async () => {
    h.oidc.faults.add(() => true, [{ ...TOO_MANY, headers: { 'Retry-After': '2' } }])
    const stsThrottled = during(3000)
    h.aws.faults.add(call => call.service === 'sts' && stsThrottled(), times(PLENTY, THROTTLED_STS))
    const registryThrottled = during(3000)
    // The step's login check (GET /v2/ with the credentials).
    registry.faults.add(
      request => request.path === '/v2/' && request.authorized && registryThrottled(),
      times(PLENTY, TOO_MANY)
    )
    const job = h.job({ oidc: true })
    const oidcBefore = h.oidc.requests.length

    const main = await job.uses(REPO_ROOT, {
      'role-to-assume': ROLE_ARN,
      'aws-region': 'eu-west-1',
      registries: HOSTS.faulty,
      'timeout-seconds': '40'
    })

    expect(main.exitCode, job.log).toBe(0)
    expect(h.oidc.requests.length - oidcBefore).toBe(2)
    const throttled = lines(main.log, / is throttled \(/)
    expect(throttled.map(line => line.split(' is throttled')[0])).toEqual([
      "GitHub's OIDC token request",
      'STS AssumeRoleWithWebIdentity in eu-west-1',
      `ECR registry ${HOSTS.faulty}`
    ])
    // The OIDC retry waited the 2 s the service asked for, not a backoff of a quarter second.
    const oidcWait = Number(
      /GitHub's OIDC token request went through after 1 throttled attempt\(s\) and (\d+\.\d) s/.exec(main.log)?.[1]
    )
    expect(oidcWait).toBeGreaterThanOrEqual(1.9)
    expect(lines(main.log, / went through after \d+ throttled attempt/)).toHaveLength(3)
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.faulty])
    await expectCleanAfterPost(job)
  })

  it('throttling past the deadline fails at the deadline, naming the throttling and what to do', async () => {
    h.aws.faults.add(call => call.service === 'ecr', times(PLENTY, THROTTLED_ECR))
    const job = h.job({ ambient: true })

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'timeout-seconds': '6' })

    expect(main.exitCode).toBe(1)
    expect(main.log).toMatch(
      new RegExp(
        'Error: Timed out after 6 s \\(timeout-seconds\\) while waiting for ECR GetAuthorizationToken in eu-west-1, ' +
          "throttled \\d+ time\\(s\\) over \\d+\\.\\d s \\(the account's rate quota is shared by every job calling at " +
          "that moment: raise 'timeout-seconds', or run fewer jobs at once \\(the matrix's 'max-parallel'\\)\\)\\."
      )
    )
    expect(lines(main.log, / is throttled \(/)).toHaveLength(1)
    expect(main.log).not.toContain("raise 'retry-max-attempts'")
    expect(main.durationMs).toBeGreaterThanOrEqual(6000)
    expect(main.durationMs).toBeLessThan(9000)
    expect(job.dockerConfigJson().auths ?? {}).toEqual({})
    await expectCleanAfterPost(job)
  })
})
