// `npm run bench`: the action's steps against the e2e peers, interleaved round by round with the
// floor they are judged against, in one process tree, on both docker paths: the CLI alone, and
// through the suite's docker daemon (DOCKER_HOST), as on GitHub's runners. Prints a table per
// path and writes bench/RESULTS.md (keeping its Network section, which bench:network writes).
//
//   npm run bench                # 15 rounds
//   npm run bench -- --rounds 25
//
// The floor for one login is `node -e 0` (Node 24) and one `docker login --password-stdin` to the
// same local registry. Every step runs as the e2e runner emulator runs it (a private mount
// namespace whose /etc/hosts points the ECR hosts at local registries); the floor's two processes
// run as two such steps, so one wrapper's cost (a step running `true`) is taken off their sum.
// Each docker path has its own floor (its own bare docker login).

import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { OidcServer } from '../__tests__/e2e/support/oidc-server.js'
import {
  AMBIENT,
  HOSTS,
  motoPassword,
  ROLE_ARN,
  type RunningPeers,
  startPeers
} from '../__tests__/e2e/support/peers.js'
import { type Env, Job, REPO_ROOT, type StepResult } from '../__tests__/e2e/support/runner.js'
import { readSection, RESULTS_FILE } from './results-file.js'

const ROUNDS = Number(/--rounds[= ](\d+)/.exec(process.argv.slice(2).join(' '))?.[1] ?? 15)
const PEAK_RSS = join(REPO_ROOT, 'bench', 'peak-rss.mjs')
// The steps users chain today (their published bundles; see /work/shared/peers/README.md).
const PEERS_DIR = '/work/shared/peers'
const CHAIN = 'configure-aws-credentials + amazon-ecr-login, 1 registry'
// Issue 18: our OIDC main against the chain it replaces, on loopback too.
const CHAIN_RATIO_TARGET = 0.35
const FIVE = [HOSTS.default, HOSTS.euA, HOSTS.euB, HOSTS.usA, HOSTS.usB]

interface Sample {
  ms: number
  rssKiB?: number
}

type CaseName =
  | 'wrapper (true)'
  | 'node -e 0'
  | 'docker login'
  | 'docker logout'
  | 'main, env credentials, 1 registry'
  | 'main, OIDC, 1 registry'
  | 'main, 5 registries in 2 regions'
  | 'post, 5 registries'
  | 'main, 1 registry, docker-config default'
  | 'main, 1 registry, docker-config job'
  | 'post, 1 registry, docker-config default'
  | 'post, 1 registry, docker-config job'
  | 'configure-aws-credentials + amazon-ecr-login, 1 registry'

type DockerPath = 'no daemon' | 'daemon'
const DOCKER_PATHS: readonly DockerPath[] = ['no daemon', 'daemon']

const samplesByPath = new Map<DockerPath, Map<CaseName, Sample[]>>(DOCKER_PATHS.map(path => [path, new Map()]))

function recordSample(
  path: DockerPath,
  name: CaseName,
  step: StepResult,
  rssFile?: string,
  line: 'only' | 'last' = 'only'
): void {
  const samples = samplesByPath.get(path)!
  if (step.exitCode !== 0) throw new Error(`${name} failed (exit ${step.exitCode}):\n${step.log}`)
  let rssKiB: number | undefined
  if (rssFile) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n').map(Number)
    if (line === 'only' && lines.length !== 1)
      throw new Error(`${name}: expected one peak-RSS line, got ${lines.length}`)
    rssKiB = lines[lines.length - 1]
    rmSync(rssFile)
  }
  samples.set(name, [...(samples.get(name) ?? []), { ms: step.durationMs, rssKiB }])
}

function seedUserConfig(job: Job): void {
  const auths = Object.fromEntries(
    ['ghcr.io', 'quay.io', 'registry.example.com'].map(host => [host, { auth: 'dXNlcjpub3QtYS1yZWFsLXRva2Vu' }])
  )
  writeFileSync(join(job.dockerConfig, 'config.json'), JSON.stringify({ auths, proxies: {} }, null, '\t'))
  mkdirSync(join(job.dockerConfig, 'buildx', 'instances'), { recursive: true })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function pathCases(peers: RunningPeers, oidc: OidcServer, path: DockerPath): [CaseName, () => Promise<void>][] {
  const base: Env = {
    AWS_ENDPOINT_URL_STS: peers.info.motoUrl,
    AWS_ENDPOINT_URL_ECR: peers.info.motoUrl,
    RUNNER_DEBUG: undefined,
    DOCKER_HOST: path === 'daemon' ? peers.info.dockerHost : undefined
  }
  const record = (name: CaseName, step: StepResult, rssFile?: string, line: 'only' | 'last' = 'only'): void =>
    recordSample(path, name, step, rssFile, line)
  const newJob = (env: Env = {}): { job: Job; rssFile: string } => {
    const job = new Job(peers.info, { env: { ...base, ...env }, nodeOptions: ['--import', PEAK_RSS] })
    const rssFile = join(job.dir, 'peak-rss')
    return { job, rssFile }
  }
  const cases: [CaseName, () => Promise<void>][] = [
    [
      'wrapper (true)',
      async () => {
        const { job } = newJob()
        record('wrapper (true)', await job.runCommand('true', 'true', []))
      }
    ],
    [
      'node -e 0',
      async () => {
        const { job, rssFile } = newJob()
        const step = await job.runCommand('node -e 0', peers.info.node24, ['--import', PEAK_RSS, '-e', '0'], {
          BENCH_RSS_FILE: rssFile
        })
        record('node -e 0', step, rssFile)
      }
    ],
    [
      'docker login',
      async () => {
        const { job } = newJob()
        const args = ['login', '--username', 'AWS', '--password-stdin', HOSTS.euA]
        record('docker login', await job.runCommand('docker login', 'docker', args, {}, motoPassword(HOSTS.euA)))
      }
    ],
    [
      'docker logout',
      async () => {
        const { job } = newJob()
        await job.runCommand(
          'docker login',
          'docker',
          ['login', '-u', 'AWS', '--password-stdin', HOSTS.euA],
          {},
          motoPassword(HOSTS.euA)
        )
        record('docker logout', await job.runCommand('docker logout', 'docker', ['logout', HOSTS.euA]))
      }
    ],
    [
      'main, env credentials, 1 registry',
      async () => {
        const { job, rssFile } = newJob({ ...AMBIENT })
        const step = await job.uses(REPO_ROOT, { registries: HOSTS.euA }, { BENCH_RSS_FILE: rssFile })
        record('main, env credentials, 1 registry', step, rssFile)
      }
    ],
    [
      'main, OIDC, 1 registry',
      async () => {
        const { job, rssFile } = newJob({
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken
        })
        const step = await job.uses(
          REPO_ROOT,
          { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' },
          { BENCH_RSS_FILE: rssFile }
        )
        record('main, OIDC, 1 registry', step, rssFile)
      }
    ],
    [
      CHAIN,
      async () => {
        const { job } = newJob({
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
          // The runner sets these too; configure-aws-credentials refuses to run without them.
          GITHUB_ACTOR: 'octocat',
          GITHUB_ACTION: 'login'
        })
        const credentials = await job.uses(join(PEERS_DIR, 'configure-aws-credentials'), {
          'role-to-assume': ROLE_ARN,
          'aws-region': 'eu-west-1'
        })
        if (credentials.exitCode !== 0) throw new Error(`configure-aws-credentials failed:\n${job.log}`)
        // As the runner does: what the step wrote to GITHUB_ENV is the next step's environment.
        const login = await job.uses(join(PEERS_DIR, 'amazon-ecr-login'), {}, credentials.exportedEnv)
        record(CHAIN, { ...login, durationMs: credentials.durationMs + login.durationMs })
      }
    ],
    [
      'main, 5 registries in 2 regions',
      async () => {
        const { job, rssFile } = newJob({ ...AMBIENT })
        const step = await job.uses(REPO_ROOT, { registries: FIVE.join(',') }, { BENCH_RSS_FILE: rssFile })
        record('main, 5 registries in 2 regions', step, rssFile)
      }
    ],
    [
      'post, 5 registries',
      async () => {
        const { job, rssFile } = newJob({ ...AMBIENT })
        // The post step runs with main's environment, so both append to the file: post's line is last.
        const main = await job.uses(REPO_ROOT, { registries: FIVE.join(',') }, { BENCH_RSS_FILE: rssFile })
        if (main.exitCode !== 0) throw new Error(`main before post failed:\n${main.log}`)
        const [post] = await job.finish()
        record('post, 5 registries', post, rssFile, 'last')
      }
    ]
  ]
  // docker-config: default against job, each with a user config.json (three other registries,
  // proxies) and a buildx folder to copy and link.
  for (const mode of ['default', 'job'] as const) {
    cases.push([
      `main, 1 registry, docker-config ${mode}`,
      async () => {
        const { job } = newJob({ ...AMBIENT })
        seedUserConfig(job)
        const step = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'docker-config': mode })
        record(`main, 1 registry, docker-config ${mode}`, step)
        const [post] = await job.finish()
        record(`post, 1 registry, docker-config ${mode}`, post)
      }
    ])
  }
  return cases
}

async function round(peers: RunningPeers, oidc: OidcServer, order: number): Promise<void> {
  const cases = DOCKER_PATHS.flatMap(path => pathCases(peers, oidc, path))
  // Rotate the order each round, so that no case always runs first or after the same one.
  for (let i = 0; i < cases.length; i++) await cases[(i + order) % cases.length][1]()
}

function distSizes(): { file: string; bytes: number }[] {
  const dist = join(REPO_ROOT, 'dist')
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => {
      const file = join(entry.parentPath, entry.name)
      return { file: relative(REPO_ROOT, file), bytes: statSync(file).size }
    })
    .sort((a, b) => a.file.localeCompare(b.file))
}

function pathReport(path: DockerPath): { summary: string; rows: string[] } {
  const samples = samplesByPath.get(path)!
  const ms = (name: CaseName): number[] => (samples.get(name) ?? []).map(sample => sample.ms)
  const wrapper = median(ms('wrapper (true)'))
  const rounds = ms('node -e 0').length
  // Per round: the floor is node + login minus the one wrapper counted twice.
  const floors = ms('node -e 0').map((node, i) => node + ms('docker login')[i] - ms('wrapper (true)')[i])
  const floor = median(floors)
  const bareLogin = median(ms('docker login')) - wrapper
  const bareLogout = median(ms('docker logout')) - wrapper
  const node = median(ms('node -e 0'))
  const oneRegistry = median(ms('main, env credentials, 1 registry'))
  const oidcRatio = median(ms('main, OIDC, 1 registry')) / median(ms(CHAIN))

  const targets: Partial<Record<CaseName, { limit: number; text: string }>> = {
    'main, env credentials, 1 registry': { limit: 1.6 * floor, text: '≤ 1.6 × floor' },
    'main, OIDC, 1 registry': { limit: 1.9 * floor, text: '≤ 1.9 × floor' },
    'main, 5 registries in 2 regions': {
      limit: oneRegistry + 4 * bareLogin,
      text: `≤ 1-registry case + 4 × bare login = ${(oneRegistry + 4 * bareLogin).toFixed(0)} ms`
    },
    'post, 5 registries': {
      limit: (node + 5 * bareLogout) * 1.25,
      text: `≤ (node -e 0 + 5 × bare logout) × 1.25 = ${((node + 5 * bareLogout) * 1.25).toFixed(0)} ms`
    }
  }
  const rows = [...samples.entries()].map(([name, list]) => {
    const values = list.map(sample => sample.ms)
    const rss = list.flatMap(sample => (sample.rssKiB ? [sample.rssKiB / 1024] : []))
    const target = targets[name]
    let verdict = target ? `${target.text}: ${median(values) <= target.limit ? 'met' : '**not met**'}` : ''
    if (name === CHAIN) {
      verdict =
        `main, OIDC ÷ this = ${oidcRatio.toFixed(2)}× (≤ ${CHAIN_RATIO_TARGET}×: ` +
        `${oidcRatio <= CHAIN_RATIO_TARGET ? 'met' : '**not met**'})`
    }
    return `| ${name} | ${median(values).toFixed(0)} | ${Math.min(...values)}–${Math.max(...values)} | ${(median(values) / floor).toFixed(2)}× | ${rss.length ? Math.max(...rss).toFixed(1) : '–'} | ${verdict} |`
  })
  const summary =
    `**Floor, ${path}** (node -e 0 + one docker login, one wrapper): median ${floor.toFixed(0)} ms ` +
    `over ${rounds} rounds. Bare docker login ${bareLogin.toFixed(0)} ms, bare docker logout ` +
    `${bareLogout.toFixed(0)} ms, the step wrapper (unshare + mount + exec) ${wrapper.toFixed(0)} ms; ` +
    `every step below includes one wrapper.`
  return { summary, rows }
}

function report(node24: string, daemonVersion: string): string {
  const rounds = (samplesByPath.get('no daemon')!.get('node -e 0') ?? []).length
  const sizes = distSizes()
  const total = sizes.reduce((sum, size) => sum + size.bytes, 0)
  const docker = execFileSync('docker', ['--version'], { encoding: 'utf8' }).trim()
  const nodeVersion = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${rounds} interleaved rounds, medians.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${nodeVersion} for the steps; CLI ${docker}; daemon ${daemonVersion}.`,
    'AWS is moto at a custom endpoint (plain HTTP on loopback), the same for both paths.',
    '',
    ...DOCKER_PATHS.flatMap(path => {
      const { summary, rows } = pathReport(path)
      return [
        `## docker: ${path}`,
        '',
        summary,
        '',
        '| case | median ms | min–max ms | × floor | peak RSS MiB | target |',
        '|---|---|---|---|---|---|',
        ...rows,
        ''
      ]
    }),
    `Peak RSS is the Node process's own (process.resourceUsage().maxRSS at exit), not docker's.`,
    '',
    '## dist/',
    '',
    '| file | bytes |',
    '|---|---|',
    ...sizes.map(size => `| ${size.file} | ${size.bytes} |`),
    `| **all of dist/** | **${total}** (target ≤ 800000: ${total <= 800_000 ? 'met' : '**not met**'}) |`,
    ''
  ].join('\n')
}

async function main(): Promise<void> {
  process.stdout.write(`Starting peers…\n`)
  const peers = await startPeers()
  const oidc = new OidcServer()
  try {
    await oidc.start()
    // One warm-up round, not recorded: the first start of anything pays for cold caches.
    await round(peers, oidc, 0)
    for (const samples of samplesByPath.values()) samples.clear()
    for (let i = 0; i < ROUNDS; i++) {
      await round(peers, oidc, i)
      process.stdout.write(`round ${i + 1}/${ROUNDS}\n`)
    }
    const daemonVersion = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: peers.info.dockerHost }
    }).trim()
    const markdown = report(peers.info.node24, daemonVersion)
    // The Network section is bench:network's: kept as it is.
    const network = readSection('Network')
    writeFileSync(RESULTS_FILE, network ? `${markdown}\n${network}` : markdown)
    process.stdout.write(`\n${markdown}`)
  } finally {
    await oidc.stop()
    await peers.stop()
  }
}

await main()
