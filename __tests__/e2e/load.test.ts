// Load: 20 jobs at once (a wide matrix) against the same peers, each with its own docker config,
// while a share of the OIDC, STS, ECR and registry calls is throttled. Every job must succeed
// and every config must be clean after its post step.
import { describe, expect, it } from 'vitest'
import { awsErrorBody } from './support/aws-front.js'
import { type Fault, times } from './support/faults.js'
import { HOSTS, REPO_ROOT, ROLE_ARN, useFaultyRegistry, useHarness } from './support/harness.js'

const h = useHarness()
const JOBS = 20
const registry = useFaultyRegistry(h)

/** A predicate true for every `n`th call it sees. */
function everyNth(n: number): () => boolean {
  let seen = 0
  return () => ++seen % n === 0
}

describe('under load', () => {
  it(`${JOBS} concurrent jobs with throttling all log in and leave clean configs`, async () => {
    const TOO_MANY: Fault = { kind: 'status', status: 429, body: 'Too Many Requests' }
    const ecr = everyNth(3)
    const sts = everyNth(3)
    h.oidc.faults.add(everyNth(4), times(100, { kind: 'status', status: 503 }))
    h.aws.faults.add(
      call => call.service === 'sts' && sts(),
      times(100, awsErrorBody('sts', 'Throttling', 'Rate exceeded'))
    )
    h.aws.faults.add(
      call => call.service === 'ecr' && ecr(),
      times(100, awsErrorBody('ecr', 'ThrottlingException', 'Rate exceeded'))
    )
    const registryThrottle = everyNth(5)
    // The step's login check (GET /v2/ with the credentials) is throttled.
    registry.faults.add(
      request => request.path === '/v2/' && request.authorized && registryThrottle(),
      times(100, TOO_MANY)
    )
    const awsBefore = h.aws.calls.length
    const oidcBefore = h.oidc.requests.length

    const started = Date.now()
    const results = await Promise.all(
      Array.from({ length: JOBS }, async (_, index) => {
        const oidc = index % 2 === 0
        const job = h.job({ oidc, ambient: !oidc })
        const registries = [HOSTS.euA, HOSTS.usB, ...(index % 4 === 0 ? [HOSTS.faulty] : [])]
        const main = await job.uses(REPO_ROOT, {
          registries: registries.join(','),
          ...(oidc ? { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' } : {})
        })
        const loggedIn = Object.keys(job.dockerConfigJson().auths ?? {}).sort()
        const posts = await job.finish()
        return { main, registries, loggedIn, posts, after: job.dockerConfigJson().auths, log: job.log }
      })
    )
    const elapsed = Date.now() - started

    for (const result of results) {
      expect(result.main.exitCode, result.log).toBe(0)
      expect(result.loggedIn).toEqual([...result.registries].sort())
      expect(result.posts.map(post => post.exitCode)).toEqual([0])
      expect(result.after).toEqual({})
    }
    const faulted = h.aws.since(awsBefore).filter(call => call.fault).length
    const oidcFaults = h.oidc.requests.length - oidcBefore - JOBS / 2
    const count = (pattern: RegExp): number =>
      results.reduce((sum, result) => sum + (result.log.match(pattern) ?? []).length, 0)
    // A line per retry of the OIDC 503s; a line per throttled call (not per attempt) for throttling.
    const retries = count(/retrying in/g)
    const throttledCalls = count(/ is throttled \(/g)
    expect(faulted).toBeGreaterThan(5)
    expect(retries).toBeGreaterThanOrEqual(oidcFaults)
    expect(throttledCalls).toBeGreaterThan(0)
    expect(count(/ went through after \d+ throttled attempt/g)).toBe(throttledCalls)
    process.stdout.write(
      `load: ${JOBS} jobs in ${elapsed} ms; ${faulted} AWS and ${oidcFaults} OIDC calls throttled, ${retries} retries and ${throttledCalls} throttled calls in all\n`
    )
  }, 120_000)
})
