// `npm run bench:simulate`: a matrix at internet scale, on a virtual clock. Each job runs the
// action's real retry loop (src/retry.ts's withRetry, its classifiers and backoff) for its four
// calls — OIDC token, STS AssumeRoleWithWebIdentity, ECR GetAuthorizationToken, docker login —
// against simulated token buckets, under the step's deadline. No processes, no sockets: 10,000
// jobs take seconds.
//
//   npm run bench:simulate                               # the table for docs/large-matrices.md
//   npm run bench:simulate -- --calibrate                # the 64-job real run's parameters
//   npm run bench:simulate -- --jobs 3000 --ecr 20/200 --timeout 120
//
// Quotas are rate/burst per second (see docs/large-matrices.md for where the numbers come from).

import { parseArgs } from 'node:util'
import { ThrottlingError } from '../src/errors.js'
import { DEFAULT_BACKOFF, type RetryPolicy, withRetry } from '../src/retry.js'
import { parseQuota, TokenBucket } from './token-bucket.js'
import { seededRandom, VirtualTime } from './virtual-time.js'

export interface Scenario {
  jobs: number
  /** rate/burst per second for each service. */
  oidc: string
  sts: string
  ecr: string
  registry: string
  timeoutSeconds: number
  /** Jobs reach the step spread evenly over this many seconds (0: all at once). */
  spreadSeconds: number
  /** From the step's start to its first request (Node start-up, loading the SDK). */
  startupMs: number
  /** One API round trip; docker login costs `dockerMs` more (the CLI's own start). */
  latencyMs: number
  dockerMs: number
  seed: number
}

export interface Outcome {
  loggedIn: number
  /** Seconds from the first job's start to the last login. */
  lastLogin: number
  p50: number
  p99: number
  calls: Record<Service, { answered: number; throttled: number }>
  /** "is throttled" lines in all the jobs' logs. */
  throttleLines: number
  /** Seconds the bottleneck needs at the least: (jobs − burst) ÷ rate of the slowest bucket. */
  bound: number
}

type Service = 'oidc' | 'sts' | 'ecr' | 'registry'
const SERVICES: Service[] = ['oidc', 'sts', 'ecr', 'registry']

/** What each service answers when its bucket is empty, shaped as the action really sees it. */
function throttled(service: Service): Error {
  switch (service) {
    case 'oidc':
      return new ThrottlingError('the token service answered HTTP 429')
    case 'registry':
      return new ThrottlingError('docker login: toomanyrequests: 429 Too Many Requests')
    case 'sts':
      // The SDK's error for STS's XML answer: name and Code are the code, HTTP 400.
      return Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        Code: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 }
      })
    case 'ecr':
      return Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 }
      })
  }
}

const CALL_NAMES: Record<Service, string> = {
  oidc: "GitHub's OIDC token request",
  sts: 'STS AssumeRoleWithWebIdentity in eu-west-1',
  ecr: 'ECR GetAuthorizationToken in eu-west-1',
  registry: 'docker login to 123456789012.dkr.ecr.eu-west-1.amazonaws.com'
}

export async function simulate(scenario: Scenario): Promise<Outcome> {
  const time = new VirtualTime()
  const random = seededRandom(scenario.seed)
  const buckets = Object.fromEntries(
    SERVICES.map(service => {
      const { rate, burst } = parseQuota(scenario[service])
      return [service, new TokenBucket(rate, burst, () => time.now)]
    })
  ) as Record<Service, TokenBucket>
  const policy: RetryPolicy = { maxAttempts: 5, ...DEFAULT_BACKOFF }
  const clock = { now: () => time.now, sleep: time.sleep }

  // The bucket decides when the request reaches the service: half a round trip after it is sent.
  const request = async (service: Service, signal: AbortSignal): Promise<void> => {
    const extra = service === 'registry' ? scenario.dockerMs : 0
    await time.sleep(scenario.latencyMs / 2 + extra, signal)
    const answered = buckets[service].take()
    await time.sleep(scenario.latencyMs / 2, signal)
    if (!answered) throw throttled(service)
  }

  const finished: number[] = []
  let loggedIn = 0
  const job = async (index: number): Promise<void> => {
    const start = scenario.jobs > 1 ? (index / (scenario.jobs - 1)) * scenario.spreadSeconds * 1000 : 0
    await time.sleep(start)
    const controller = new AbortController()
    void time.sleep(scenario.timeoutSeconds * 1000).then(() => controller.abort(new Error('deadline')))
    const deadline = { signal: controller.signal, track: <T>(_what: string, work: () => Promise<T>) => work() }
    try {
      await time.sleep(scenario.startupMs, controller.signal)
      for (const service of SERVICES) {
        await withRetry(CALL_NAMES[service], signal => request(service, signal), {
          retry: policy,
          deadline,
          random,
          clock
        })
      }
      loggedIn++
      finished.push(time.now)
    } catch {
      finished.push(time.now)
    }
  }

  // The action's log lines go to stdout through @actions/core: count them instead of printing.
  let throttleLines = 0
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array) => {
    if (String(chunk).includes(' is throttled (')) throttleLines++
    return true
  }
  try {
    const jobs = Array.from({ length: scenario.jobs }, (_, index) => job(index))
    await time.run()
    await Promise.all(jobs)
  } finally {
    process.stdout.write = write
  }

  const sorted = [...finished].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1000
  const bound = Math.max(
    ...SERVICES.map(service => {
      const { rate, burst } = parseQuota(scenario[service])
      return Math.max(0, scenario.jobs - burst) / rate
    })
  )
  return {
    loggedIn,
    lastLogin: at(1),
    p50: at(0.5),
    p99: at(0.99),
    calls: Object.fromEntries(
      SERVICES.map(service => [service, { answered: buckets[service].answered, throttled: buckets[service].throttled }])
    ) as Outcome['calls'],
    throttleLines,
    bound
  }
}

/** AWS-like quotas; see docs/large-matrices.md for the sources. */
const AWS_LIKE = { oidc: '1000/1000', sts: '100/100', ecr: '20/200', registry: '1000/1000' }
const GITHUB_RUNNER = { startupMs: 400, latencyMs: 60, dockerMs: 150 }

function row(scenario: Scenario, outcome: Outcome, label: string): string {
  const perJob = (service: Service): string => {
    const { answered, throttled } = outcome.calls[service]
    return `${((answered + throttled) / scenario.jobs).toFixed(1)} (${(throttled / scenario.jobs).toFixed(1)})`
  }
  return (
    `| ${label} | ${scenario.jobs} | ${scenario.ecr} | ${scenario.sts} | ${scenario.spreadSeconds} s | ${scenario.timeoutSeconds} s | ` +
    `${outcome.loggedIn} (${((100 * outcome.loggedIn) / scenario.jobs).toFixed(0)}%) | ${outcome.lastLogin.toFixed(1)} s | ` +
    `${outcome.bound.toFixed(1)} s | ${outcome.p50.toFixed(1)} s | ${perJob('sts')} | ${perJob('ecr')} |`
  )
}

const HEADER = [
  '| case | jobs | ECR quota | STS quota | start spread | timeout | logged in | last login (or give-up) | quota-bound minimum | p50 | STS calls/job (throttled) | ECR calls/job (throttled) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|'
]

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      calibrate: { type: 'boolean', default: false },
      jobs: { type: 'string' },
      oidc: { type: 'string' },
      sts: { type: 'string' },
      ecr: { type: 'string' },
      registry: { type: 'string' },
      timeout: { type: 'string' },
      spread: { type: 'string' },
      startup: { type: 'string' },
      latency: { type: 'string' },
      docker: { type: 'string' },
      seed: { type: 'string', default: '1' },
      seeds: { type: 'string', default: '1' }
    }
  })
  const custom = args.jobs !== undefined
  const base: Scenario = args.calibrate
    ? // The 64-job real run (npm run bench:matrix): its fronts' quotas, and this 2-core machine's
      // start-up as that run measured it (first request 6.8 s after the start, the last job's 10.0 s).
      {
        jobs: 64,
        oidc: '20/20',
        sts: '10/10',
        ecr: '3/5',
        registry: '10/10',
        timeoutSeconds: 120,
        spreadSeconds: 3.2,
        startupMs: 6800,
        latencyMs: 30,
        dockerMs: 150,
        seed: 1
      }
    : { jobs: 1000, ...AWS_LIKE, timeoutSeconds: 120, spreadSeconds: 0, ...GITHUB_RUNNER, seed: 1 }
  const pick = (text: string | undefined, fallback: number): number => (text === undefined ? fallback : Number(text))
  const from = (overrides: Partial<Scenario>): Scenario => ({
    ...base,
    oidc: args.oidc ?? base.oidc,
    sts: args.sts ?? base.sts,
    ecr: args.ecr ?? base.ecr,
    registry: args.registry ?? base.registry,
    timeoutSeconds: pick(args.timeout, base.timeoutSeconds),
    spreadSeconds: pick(args.spread, base.spreadSeconds),
    startupMs: pick(args.startup, base.startupMs),
    latencyMs: pick(args.latency, base.latencyMs),
    dockerMs: pick(args.docker, base.dockerMs),
    ...overrides
  })

  const scenarios: [string, Scenario][] = []
  const seeds = Number(args.seeds)
  if (args.calibrate || custom) {
    for (let seed = 1; seed <= seeds; seed++) {
      scenarios.push([`seed ${seed}`, from({ jobs: pick(args.jobs, base.jobs), seed: Number(args.seed) + seed - 1 })])
    }
  } else {
    for (const jobs of [1000, 2000, 2500, 3000, 5000, 10_000]) scenarios.push(['all at once', from({ jobs })])
    for (const jobs of [5000, 10_000]) scenarios.push(['timeout 600', from({ jobs, timeoutSeconds: 600 })])
    scenarios.push(['spread over 60 s', from({ jobs: 3000, spreadSeconds: 60 })])
    scenarios.push(['ECR quota raised', from({ jobs: 10_000, ecr: '100/200' })])
  }

  process.stdout.write(`${HEADER.join('\n')}\n`)
  for (const [label, scenario] of scenarios) {
    const started = performance.now()
    const outcome = await simulate(scenario)
    const line = row(scenario, outcome, label)
    process.stdout.write(
      `${line} <!-- ${((performance.now() - started) / 1000).toFixed(1)} s; "is throttled" lines ${outcome.throttleLines} -->\n`
    )
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
