// `npm run bench:matrix`: a whole matrix at once. N real jobs start together on this machine, each
// one real main step of the action's bundle under Node 24 (as the e2e runner emulator runs it),
// against token-bucket fronts for GitHub's OIDC token service, STS, ECR and the registry, with
// rates low enough that the matrix is bound by the quota, not by this machine.
//
//   npm run bench:matrix                          # 64 jobs, OIDC, ECR 3/s burst 5
//   npm run bench:matrix -- --jobs 128 --ecr 6/5
//   npm run bench:matrix -- --credentials env     # environment credentials: no OIDC, no STS
//   npm run bench:matrix -- --rev 40de354         # the action as it was at a commit (its dist/)
//
// Quotas are rate/burst per second. Prints: jobs logged in, the time until the last login against
// the quota-bound minimum, p50/p99 per job, and calls per job (throttled ones in brackets).

import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { awsErrorBody, AwsFront } from '../__tests__/e2e/support/aws-front.js'
import { times } from '../__tests__/e2e/support/faults.js'
import { OidcServer } from '../__tests__/e2e/support/oidc-server.js'
import { AMBIENT, FAULTY_BACKEND_PORT, HOSTS, ROLE_ARN, startPeers } from '../__tests__/e2e/support/peers.js'
import { RegistryFront } from '../__tests__/e2e/support/registry-front.js'
import { Job } from '../__tests__/e2e/support/runner.js'
import { actionAtRev, worktreeAction } from './action-source.js'
import { parseQuota, TokenBucket } from './token-bucket.js'

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '64' },
    credentials: { type: 'string', default: 'oidc' },
    oidc: { type: 'string', default: '20/20' },
    sts: { type: 'string', default: '10/10' },
    ecr: { type: 'string', default: '3/5' },
    registry: { type: 'string', default: '10/10' },
    timeout: { type: 'string', default: '120' },
    rev: { type: 'string' }
  }
})

const JOBS = Number(args.jobs)
const OIDC = args.credentials === 'oidc'
// Enough throttled answers for any run: a fault plan hands out a finite list.
const PLENTY = 1_000_000

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
}

async function main(): Promise<void> {
  const quotas = {
    oidc: parseQuota(args.oidc),
    sts: parseQuota(args.sts),
    ecr: parseQuota(args.ecr),
    registry: parseQuota(args.registry)
  }
  process.stdout.write(`Starting peers…\n`)
  const peers = await startPeers()
  const aws = new AwsFront(peers.info.motoUrl)
  const oidc = new OidcServer()
  const registry = new RegistryFront(
    peers.info.addresses[HOSTS.faulty],
    FAULTY_BACKEND_PORT,
    peers.info.tls,
    peers.info.caFile
  )
  const action = args.rev ? actionAtRev(args.rev) : worktreeAction()
  try {
    await Promise.all([aws.start(), oidc.start(), registry.start()])
    // Buckets start full when the matrix starts, as an idle account's quota is.
    const buckets = {
      oidc: new TokenBucket(quotas.oidc.rate, quotas.oidc.burst),
      sts: new TokenBucket(quotas.sts.rate, quotas.sts.burst),
      ecr: new TokenBucket(quotas.ecr.rate, quotas.ecr.burst),
      registry: new TokenBucket(quotas.registry.rate, quotas.registry.burst)
    }
    // When requests reached the fronts (the first one: when the quotas start being used), and when
    // each login did.
    const firstRequests: number[] = []
    const logins: number[] = []
    let started = 0
    const oidcArrivals: number[] = []
    oidc.faults.add(
      () => {
        oidcArrivals.push(performance.now() - started)
        firstRequests.push(performance.now() - started)
        return !buckets.oidc.take()
      },
      times(PLENTY, { kind: 'status', status: 429, body: 'rate limited' })
    )
    aws.faults.add(
      call => call.service === 'sts' && (firstRequests.push(performance.now() - started), !buckets.sts.take()),
      times(PLENTY, awsErrorBody('sts', 'Throttling', 'Rate exceeded'))
    )
    aws.faults.add(
      call => call.service === 'ecr' && (firstRequests.push(performance.now() - started), !buckets.ecr.take()),
      times(PLENTY, awsErrorBody('ecr', 'ThrottlingException', 'Rate exceeded'))
    )
    // Only docker's authenticated request: the login itself (see the e2e load test).
    registry.faults.add(
      request => {
        if (request.path !== '/v2/' || !request.authorized) return false
        if (!buckets.registry.take()) return true
        logins.push(performance.now() - started)
        return false
      },
      times(PLENTY, { kind: 'status', status: 429, body: 'Too Many Requests' })
    )

    const jobs = Array.from(
      { length: JOBS },
      () =>
        new Job(peers.info, {
          env: {
            AWS_ENDPOINT_URL_STS: aws.url,
            AWS_ENDPOINT_URL_ECR: aws.url,
            RUNNER_DEBUG: undefined,
            ...(OIDC
              ? { ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken }
              : AMBIENT)
          }
        })
    )
    const inputs = {
      registries: HOSTS.faulty,
      'timeout-seconds': args.timeout,
      ...(OIDC ? { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' } : {})
    }
    process.stdout.write(`${JOBS} jobs at once…\n`)
    started = performance.now()
    const results = await Promise.all(
      jobs.map(async job => {
        const step = await job.uses(action.dir, inputs)
        const finished = performance.now() - started
        const loggedIn = step.exitCode === 0 && HOSTS.faulty in (job.dockerConfigJson().auths ?? {})
        return { job, step, finished, loggedIn }
      })
    )

    const done = results.filter(result => result.loggedIn)
    const lastLogin = Math.max(...done.map(result => result.finished)) / 1000
    const perJob = results.map(result => result.finished / 1000)
    // The quota-bound minimum: the slowest bucket's burst is free, the rest comes at its rate.
    const used = OIDC ? (['oidc', 'sts', 'ecr', 'registry'] as const) : (['ecr', 'registry'] as const)
    const bound = Math.max(...used.map(name => Math.max(0, JOBS - quotas[name].burst) / quotas[name].rate))
    const naive = Math.max(...used.map(name => JOBS / quotas[name].rate))
    const first = Math.min(...firstRequests) / 1000
    const sinceFirst = lastLogin - first
    const registryCalls = registry.requests.filter(request => request.path === '/v2/' && request.authorized)
    const callsPerJob = (name: keyof typeof buckets): string => {
      const bucket = buckets[name]
      return `${((bucket.answered + bucket.throttled) / JOBS).toFixed(1)} (${(bucket.throttled / JOBS).toFixed(1)})`
    }
    const throttleLines = results.map(result => (result.job.log.match(/ is throttled \(/g) ?? []).length)
    const failures = [...new Set(results.filter(result => !result.loggedIn).map(result => lastError(result.step.log)))]

    const quotaText = used.map(name => `${name} ${buckets[name].toString()}`).join(', ')
    const lines = [
      '',
      `| jobs | credentials | quotas (rate/s, burst) | logged in | last login after the start | first request after the start | last login after the first request | quota-bound minimum | ratio | p50 per job | p99 per job |`,
      '|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${JOBS} | ${args.credentials} | ${quotaText} | ${done.length} of ${JOBS} | ${done.length ? lastLogin.toFixed(1) : '–'} s | ${first.toFixed(1)} s | ${done.length ? sinceFirst.toFixed(1) : '–'} s | ${bound.toFixed(1)} s ((N − burst) ÷ rate; N ÷ rate = ${naive.toFixed(1)} s) | ${done.length ? (sinceFirst / bound).toFixed(2) : '–'}× (from the start: ${done.length ? (lastLogin / bound).toFixed(2) : '–'}×) | ${percentile(perJob, 50).toFixed(1)} s | ${percentile(perJob, 99).toFixed(1)} s |`,
      '',
      `Calls per job (throttled in brackets): ${used.map(name => `${name} ${callsPerJob(name)}`).join(', ')}` +
        ` [registry logins seen by the front: ${registryCalls.length}]`,
      `"is throttled" log lines per job: max ${Math.max(...throttleLines)}, total ${throttleLines.reduce((a, b) => a + b, 0)}` +
        ` (at most one per call: ${used.length} calls per job)`,
      `Arrivals (each job's first request, s after the start: first / p50 / last): ${
        OIDC ? [1, 50, 100].map(p => (percentile(oidcArrivals.slice(0, JOBS), p) / 1000).toFixed(1)).join(' / ') : 'n/a'
      }; the registry saw the last login at ${(Math.max(...logins) / 1000).toFixed(1)} s. Before the first request the machine starts ${JOBS} Node processes.`,
      `Action: ${args.rev ? `dist/ of ${args.rev}` : 'this tree'}; timeout-seconds ${args.timeout}; Node ${execFileSync(peers.info.node24, ['--version'], { encoding: 'utf8' }).trim()}.`,
      ...(failures.length ? ['Failures:', ...failures.map(text => `- ${text}`)] : []),
      ''
    ]
    process.stdout.write(lines.join('\n'))
  } finally {
    action.cleanup()
    await Promise.all([aws.stop(), oidc.stop(), registry.stop()])
    await peers.stop()
  }
}

function lastError(log: string): string {
  const error = log.split('\n').findLast(line => line.startsWith('Error: '))
  // One line per kind of failure: numbers vary from job to job.
  return (error ?? '(no error line)').replace(/\d+(\.\d+)?/g, 'N').slice(0, 300)
}

await main()
