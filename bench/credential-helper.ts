// `npm run bench:credential-helper`: what credential-helper: true costs, against the e2e peers.
// Interleaved rounds of the main and post steps with the mode off and on (one registry, env
// credentials, the CLI alone), then docker's view of the helper: one `get` answered by the agent,
// one `get` with the agent gone, beside `node -e 0`, each started as docker starts it (no shell).
// Prints medians (and min–max); the figures go to docs/credential-helper.md by hand.
//
//   npm run bench:credential-helper                # 15 rounds, 40 helper runs
//   npm run bench:credential-helper -- --rounds 25

import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { AMBIENT, HOSTS, type RunningPeers, startPeers } from '../__tests__/e2e/support/peers.js'
import { Job, REPO_ROOT, type StepResult } from '../__tests__/e2e/support/runner.js'

const ROUNDS = Number(/--rounds[= ](\d+)/.exec(process.argv.slice(2).join(' '))?.[1] ?? 15)
const HELPER_RUNS = 40

const samples = new Map<string, number[]>()

function record(name: string, ms: number): void {
  samples.set(name, [...(samples.get(name) ?? []), ms])
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function succeeded(step: StepResult): StepResult {
  if (step.exitCode !== 0) throw new Error(`${step.name} failed (exit ${step.exitCode}):\n${step.log}`)
  return step
}

function newJob(peers: RunningPeers): Job {
  return new Job(peers.info, {
    env: {
      ...AMBIENT,
      AWS_ENDPOINT_URL_STS: peers.info.motoUrl,
      AWS_ENDPOINT_URL_ECR: peers.info.motoUrl,
      RUNNER_DEBUG: undefined
    }
  })
}

async function mainAndPost(peers: RunningPeers, mode: 'off' | 'on'): Promise<void> {
  const job = newJob(peers)
  const inputs = { registries: HOSTS.euA, ...(mode === 'on' ? { 'credential-helper': 'true' } : {}) }
  record(`main, 1 registry, ${mode}`, succeeded(await job.uses(REPO_ROOT, inputs)).durationMs)
  const [post] = await job.finish()
  record(`post, 1 registry, ${mode}`, succeeded(post).durationMs)
}

/** Milliseconds of one run of `command`, started without a shell, `input` on its stdin. */
function timed(command: string, args: string[], input: string, expectStatus: number): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, { input, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== expectStatus)
    throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${result.stdout}`)
  return ms
}

/** The helper of a job whose main step ran with credential-helper: true, and its agent's memory. */
async function helperRuns(peers: RunningPeers): Promise<void> {
  const job = newJob(peers)
  const main = succeeded(await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'credential-helper': 'true' }))
  const helper = join(main.addedPath[0], 'docker-credential-ecr-login-action')
  const pid = Number(/process (\d+)/.exec(main.log)?.[1])
  if (readlinkSync(`/proc/${pid}/cwd`) !== main.addedPath[0]) throw new Error('not the agent of this job')
  for (let i = 0; i < HELPER_RUNS; i++) {
    record('node -e 0', timed(peers.info.node24, ['-e', '0'], '', 0))
    record('helper get, agent answers', timed(helper, ['get'], HOSTS.euA, 0))
  }
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  record('agent RSS MiB (idle, after the runs)', Number(rss) / 1024)
  // Gone as after a crash: the helper and its folder are still there, nothing listens.
  process.kill(pid, 'SIGKILL')
  for (let i = 0; i < HELPER_RUNS; i++) record('helper get, agent gone', timed(helper, ['get'], HOSTS.euA, 1))
  await job.finish()
}

async function main(): Promise<void> {
  process.stdout.write('Starting peers…\n')
  const peers = await startPeers()
  try {
    // Warm-up, not recorded.
    await mainAndPost(peers, 'off')
    await mainAndPost(peers, 'on')
    samples.clear()
    for (let i = 0; i < ROUNDS; i++) {
      for (const mode of i % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) await mainAndPost(peers, mode)
      process.stdout.write(`round ${i + 1}/${ROUNDS}\n`)
    }
    await helperRuns(peers)
  } finally {
    await peers.stop()
  }
  const node = execFileSync(peers.info.node24, ['--version'], { encoding: 'utf8' }).trim()
  process.stdout.write(`\nNode ${node}; ${ROUNDS} rounds of main/post, ${HELPER_RUNS} helper runs; medians.\n\n`)
  process.stdout.write('| case | median | min–max |\n|---|---|---|\n')
  for (const [name, values] of samples) {
    const unit = name.includes('MiB') ? '' : ' ms'
    const spread = `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`
    process.stdout.write(`| ${name} | ${median(values).toFixed(1)}${unit} | ${spread} |\n`)
  }
  // Round by round: the two runs of a round are next to each other, so drift cancels out.
  for (const step of ['main', 'post']) {
    const off = samples.get(`${step}, 1 registry, off`)!
    const on = samples.get(`${step}, 1 registry, on`)!
    const differences = on.map((ms, i) => ms - off[i])
    const ratios = on.map((ms, i) => ms / off[i])
    process.stdout.write(
      `\n${step}: on − off, median of rounds ${median(differences).toFixed(0)} ms (× ${median(ratios).toFixed(2)})`
    )
  }
  process.stdout.write('\n')
}

await main()
