// `npm run bench:network`: the steps as a runner sees them, across a network. A relay of our own
// (bench/relay.ts) holds every byte a set one-way delay in each direction, and a new connection's
// first bytes one round trip more (its TCP handshake), in front of everything a step talks to:
// GitHub's OIDC token service (over TLS, under a github-like host name), AWS's own API host names
// over TLS (the e2e suite's AWS front, moto behind it) and the ECR registries. The steps run as
// the e2e runner emulator runs them, with a docker daemon of the bench's own (as every hosted
// runner has one) whose /etc/hosts sends the registries through the relay as well.
//
//   npm run bench:network                                   # 7 runs at 0, 25 and 100 ms one way
//   npm run bench:network -- --runs 9 --delays 0,25,70
//   npm run bench:network -- --rev 7b0f0c3=before --label after  # two builds in one run
//   npm run bench:network -- --dist ../other/dist=candidate
//   npm run bench:network -- --timeline                     # one run of each 1-registry case at 25 ms, event by event
//
// Every run of every case at every delay is interleaved (A B C A B C …, the order rotated each
// round) so that drift on this machine hits them alike. 0 ms goes through the relay too. Writes
// the table into the "Network" section of bench/RESULTS.md (the rest of the file is kept) unless
// --no-write; --timeline writes nothing.

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { parseArgs } from 'node:util'
import { AwsFront } from '../__tests__/e2e/support/aws-front.js'
import { startDockerDaemon, type DockerDaemon } from '../__tests__/e2e/support/docker-daemon.js'
import { OidcServer } from '../__tests__/e2e/support/oidc-server.js'
import { AMBIENT, HOSTS, ROLE_ARN, type RunningPeers, startPeers } from '../__tests__/e2e/support/peers.js'
import { run } from '../__tests__/e2e/support/processes.js'
import { type Env, Job, type StepResult } from '../__tests__/e2e/support/runner.js'
import { type ActionSource, actionAtRev, actionWithDist, worktreeAction } from './action-source.js'
import { LatencyRelay, type RelayEvent, type RelayRoute } from './relay.js'
import { writeSection } from './results-file.js'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    delays: { type: 'string', default: '0,25,100' },
    rev: { type: 'string', multiple: true, default: [] },
    dist: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', default: 'ours' },
    'no-worktree': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    'timeline-delay': { type: 'string', default: '25' }
  }
})

const RUNS = Number(args.runs)
const DELAYS = args.delays.split(',').map(Number)
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs ${args.runs}: a whole number ≥ 1, e.g. --runs 7`)
if (DELAYS.some(delay => !Number.isFinite(delay) || delay < 0) || !DELAYS.includes(0))
  throw new Error(`--delays ${args.delays}: one-way delays in ms including 0, e.g. --delays 0,25,100`)

const PEERS_DIR = '/work/shared/peers'
const AMAZON_ECR_LOGIN = join(PEERS_DIR, 'amazon-ecr-login')
const CONFIGURE_AWS_CREDENTIALS = join(PEERS_DIR, 'configure-aws-credentials')
/** Where GitHub-hosted runners fetch the OIDC token from (ACTIONS_ID_TOKEN_REQUEST_URL's host). */
const OIDC_HOST = 'pipelinesghubeus1.actions.githubusercontent.com'
const FIVE = [HOSTS.default, HOSTS.euA, HOSTS.euB, HOSTS.usA, HOSTS.usB]
/** A step that takes longer is killed and the bench fails: the bench always ends. */
const STEP_TIMEOUT_MS = 60_000

interface Version {
  label: string
  source: ActionSource
}

/** One case of the table: runs once, checks that it logged in, returns its wall time in ms. */
interface Case {
  name: string
  /** The version it measures ("" for the peers' actions). */
  version: string
  kind: 'env-1' | 'oidc-1' | 'env-5' | 'oidc-5' | 'amazon-ecr-login' | 'chain'
  run: () => Promise<number>
}

interface World {
  peers: RunningPeers
  aws: AwsFront
  relay: LatencyRelay
  /** The peers' info with the relay's hosts file: the steps' names resolve to the relay. */
  jobPeers: RunningPeers['info']
  baseEnv: Env
  oidcEnv: Env
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function versionsFromArgs(): Version[] {
  const split = (value: string): [string, string | undefined] => {
    const at = value.indexOf('=')
    return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)]
  }
  const versions: Version[] = []
  for (const value of args.rev) {
    const [rev, label] = split(value)
    versions.push({ label: label ?? `ours@${rev}`, source: actionAtRev(rev) })
  }
  for (const value of args.dist) {
    const [dir, label] = split(value)
    versions.push({ label: label ?? `ours@${dir}`, source: actionWithDist(dir) })
  }
  if (!args['no-worktree']) versions.push({ label: args.label, source: worktreeAction() })
  if (versions.length === 0) throw new Error('--no-worktree leaves nothing to measure: add --rev REV or --dist DIR')
  return versions
}

/** A random 127.x.y.0/24 for the relay's listeners, not the peers' own. */
function relayNet(peersAddress: string): string {
  for (;;) {
    const net = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`
    if (!peersAddress.startsWith(`${net}.`)) return net
  }
}

/** GitHub's token service over TLS: a terminator in front of the suite's (plain HTTP) OIDC server. */
async function startOidcTls(dir: string, oidc: OidcServer): Promise<{ server: TlsServer; port: number; cert: string }> {
  const key = join(dir, 'oidc.key')
  const cert = join(dir, 'oidc.crt')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${OIDC_HOST}`,
    '-addext',
    `subjectAltName=DNS:${OIDC_HOST}`
  ])
  const backend = new URL(oidc.url)
  const server = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, socket => {
    const upstream = createConnection({ host: backend.hostname, port: Number(backend.port) })
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { server, port: typeof address === 'object' && address ? address.port : 0, cert }
}

/** The suite's hosts file, with the names a step reaches sent to the relay instead. */
function relayHostsFile(peers: RunningPeers['info'], routes: { names: string[]; address: string }[]): string {
  const moved = new Set(routes.flatMap(route => route.names))
  const kept = readFileSync(peers.hostsFile, 'utf8')
    .split('\n')
    .filter(line => line !== '' && !moved.has(line.split(/\s+/)[1]))
  const file = join(peers.dir, 'hosts-relay')
  writeFileSync(
    file,
    [...kept, ...routes.flatMap(route => route.names.map(name => `${route.address} ${name}`)), ''].join('\n')
  )
  return file
}

/** Runs a step with a deadline: past STEP_TIMEOUT_MS its process is killed (and the case fails). */
function newJob(world: World, env: Env): { job: Job; done: () => void } {
  const timers: NodeJS.Timeout[] = []
  const job = new Job(world.jobPeers, {
    env: { ...world.baseEnv, ...env },
    onStepStart: pid =>
      timers.push(
        setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }, STEP_TIMEOUT_MS)
      )
  })
  return { job, done: () => timers.forEach(timer => clearTimeout(timer)) }
}

function expectLogin(name: string, job: Job, steps: StepResult[], hosts: readonly string[]): void {
  const failed = steps.find(step => step.exitCode !== 0)
  if (failed) throw new Error(`${name}: ${failed.name} exited ${failed.exitCode}:\n${job.log}`)
  const auths = Object.keys(job.dockerConfigJson().auths ?? {})
  const missing = hosts.filter(host => !auths.includes(host))
  if (missing.length) throw new Error(`${name}: not logged in to ${missing.join(', ')}:\n${job.log}`)
}

function cases(world: World, versions: Version[]): Case[] {
  const list: Case[] = []
  for (const { label, source } of versions) {
    const ours = (kind: Case['kind'], name: string, oidc: boolean, hosts: readonly string[]): Case => ({
      name: `${label}, ${name}`,
      version: label,
      kind,
      run: async () => {
        const { job, done } = newJob(world, oidc ? world.oidcEnv : AMBIENT)
        try {
          const inputs = oidc
            ? {
                'role-to-assume': ROLE_ARN,
                'aws-region': 'eu-west-1',
                ...(hosts.length > 1 ? { registries: hosts.join(',') } : {})
              }
            : { registries: hosts.join(',') }
          const step = await job.uses(source.dir, inputs)
          expectLogin(label, job, [step], hosts)
          return step.durationMs
        } finally {
          done()
        }
      }
    })
    list.push(
      ours('env-1', 'environment credentials, 1 registry', false, [HOSTS.euA]),
      ours('oidc-1', 'OIDC, 1 registry', true, [HOSTS.default]),
      ours('env-5', 'environment credentials, 5 registries in 2 regions', false, FIVE),
      ours('oidc-5', 'OIDC, 5 registries in 2 regions', true, FIVE)
    )
  }
  list.push(
    {
      name: 'amazon-ecr-login, environment credentials, 1 registry',
      version: '',
      kind: 'amazon-ecr-login',
      run: async () => {
        const { job, done } = newJob(world, { ...AMBIENT, AWS_REGION: 'eu-west-1' })
        try {
          const step = await job.uses(AMAZON_ECR_LOGIN, { registries: HOSTS.euA.slice(0, 12) })
          expectLogin('amazon-ecr-login', job, [step], [HOSTS.euA])
          return step.durationMs
        } finally {
          done()
        }
      }
    },
    {
      name: 'configure-aws-credentials (OIDC) + amazon-ecr-login, 1 registry',
      version: '',
      kind: 'chain',
      run: async () => {
        const { job, done } = newJob(world, world.oidcEnv)
        try {
          const credentials = await job.uses(CONFIGURE_AWS_CREDENTIALS, {
            'role-to-assume': ROLE_ARN,
            'aws-region': 'eu-west-1'
          })
          if (credentials.exitCode !== 0) throw new Error(`configure-aws-credentials failed:\n${job.log}`)
          // As the runner does: what the step wrote to GITHUB_ENV is the next step's environment.
          const login = await job.uses(AMAZON_ECR_LOGIN, {}, credentials.exportedEnv)
          expectLogin('the chain', job, [credentials, login], [HOSTS.default])
          return credentials.durationMs + login.durationMs
        } finally {
          done()
        }
      }
    }
  )
  return list
}

async function runOnce(world: World, delay: number, item: Case): Promise<number> {
  world.relay.delayMs = delay
  try {
    return await item.run()
  } finally {
    // The next step opens its own connections, as a new job on a new runner would.
    world.relay.closeConnections()
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

function report(
  samples: Map<string, Map<number, number[]>>,
  all: Case[],
  versions: Version[],
  tools: { node: string; daemon: string }
): string {
  const nonzero = DELAYS.filter(delay => delay > 0)
  const med = (name: string, delay: number): number => median(samples.get(name)!.get(delay)!)
  const rows = all.map(item => {
    const walls = DELAYS.map(delay => seconds(med(item.name, delay)))
    const trips = nonzero.map(delay => ((med(item.name, delay) - med(item.name, 0)) / (2 * delay)).toFixed(1))
    return `| ${item.name} | ${walls.join(' | ')} | ${trips.join(' | ')} |`
  })
  const byKind = (version: string, kind: Case['kind']): Case => all.find(c => c.kind === kind && c.version === version)!
  const byPeer = (kind: Case['kind']): Case => all.find(c => c.kind === kind)!
  const ratios = versions.flatMap(({ label }) =>
    (
      [
        ['OIDC ÷ the chain', byKind(label, 'oidc-1'), byPeer('chain'), 0.55],
        ['environment credentials ÷ amazon-ecr-login', byKind(label, 'env-1'), byPeer('amazon-ecr-login'), 0.8]
      ] as const
    ).map(([what, ours, theirs, target]) => {
      const values = DELAYS.map(delay => med(ours.name, delay) / med(theirs.name, delay))
      const judged = DELAYS.filter(delay => delay >= 25)
      const met = judged.every(delay => values[DELAYS.indexOf(delay)] <= target)
      const verdict = judged.length
        ? `≤ ${target.toFixed(2)} at ${judged.join(' and ')} ms: ${met ? 'met' : '**not met**'}`
        : ''
      return `| ${label}: ${what} | ${values.map(value => `${value.toFixed(2)}×`).join(' | ')} | ${verdict} |`
    })
  )
  const docker = execFileSync('docker', ['--version'], { encoding: 'utf8' }).trim()
  return [
    '## Network',
    '',
    `Written by \`npm run bench:network\` on ${new Date().toISOString().slice(0, 10)}: ${RUNS} runs of every case at ` +
      `every delay, all interleaved; medians in seconds (each step's wall time as the runner emulator sees it, from ` +
      `spawning its process to its exit; the chain is its two steps). ${cpus().length} cores, Node ${tools.node} for the ` +
      `steps, ${docker} through a docker daemon ${tools.daemon} (as hosted runners have one).`,
    '',
    'A relay of our own (`bench/relay.ts`) holds every byte the given delay each way, and the first bytes of each ' +
      'connection one round trip more (the TCP handshake), in front of GitHub’s OIDC token service (TLS), AWS’s API ' +
      'host names over TLS (moto behind the e2e AWS front) and the registries (TLS); 0 ms goes through the relay too. ' +
      'Every step opens its own connections. Round trips = (wall(d) − wall(0)) ÷ 2d.',
    '',
    ...versions.map(({ label, source }) => `- ${label}: ${source.origin}`),
    '- amazon-ecr-login and configure-aws-credentials: their published bundles (see /work/shared/peers/README.md)',
    '',
    `| step | ${DELAYS.map(delay => `${delay} ms`).join(' | ')} | ${nonzero.map(delay => `round trips at ${delay} ms`).join(' | ')} |`,
    `|---|${DELAYS.map(() => '---|').join('')}${nonzero.map(() => '---|').join('')}`,
    ...rows,
    '',
    `| ratio of medians | ${DELAYS.map(delay => `${delay} ms`).join(' | ')} | target (issue 18) |`,
    `|---|${DELAYS.map(() => '---|').join('')}---|`,
    ...ratios,
    ''
  ].join('\n')
}

function describeEvent(event: RelayEvent, connections: Map<number, string>): string {
  const where = `#${event.connection} ${connections.get(event.connection) ?? event.route}`
  const detail =
    event.kind === 'open' || event.kind === 'close'
      ? event.kind
      : `${event.kind === 'up' ? 'step →' : '→ step'} ${event.bytes} B${event.tls ? ` (${event.tls})` : ''}`
  return `${event.at.toFixed(1).padStart(8)} ms  ${where.padEnd(50)} ${detail}`
}

async function timeline(world: World, all: Case[], delay: number): Promise<string> {
  const lines: string[] = []
  for (const item of all.filter(c => !c.kind.endsWith('-5'))) {
    await runOnce(world, 0, item) // warm the caches, as the table's warm-up does
    const calls = world.aws.calls.length
    world.relay.record()
    const wall = await runOnce(world, delay, item)
    const events = world.relay.stopRecording()
    // Name each connection by the server name its ClientHello asked for.
    const connections = new Map(
      events.filter(e => e.sni && e.sni !== e.route).map(e => [e.connection, `${e.route} (${e.sni})`])
    )
    lines.push(
      '',
      `${item.name} at ${delay} ms one way: ${(wall / 1000).toFixed(3)} s from spawn to exit. ` +
        `Times are the step's (0 = its spawn): when it sends, when an answer reaches it.`,
      ...events
        .filter(event => event.kind !== 'close')
        .sort((a, b) => a.at - b.at)
        .map(event => describeEvent(event, connections)),
      `AWS calls, in order: ${world.aws
        .since(calls)
        .map(call => `${call.service} ${call.action} (${call.host})`)
        .join(', ')}`
    )
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const versions = versionsFromArgs()
  const stops: (() => Promise<void> | void)[] = versions.map(version => () => version.source.cleanup())
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop()
  }
  // Ctrl-C or a kill still stops every peer, the daemon and the relay.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)))
  }
  try {
    process.stdout.write('Starting peers…\n')
    const peers = await startPeers()
    stops.push(() => peers.stop())
    const aws = new AwsFront(peers.info.motoUrl, { address: peers.info.awsAddress, ...peers.info.tls })
    const oidc = new OidcServer()
    await Promise.all([aws.start(), oidc.start()])
    stops.push(
      () => aws.stop(),
      () => oidc.stop()
    )
    const oidcTls = await startOidcTls(peers.info.dir, oidc)
    stops.push(() => new Promise<void>(resolve => oidcTls.server.close(() => resolve())))

    const net = relayNet(peers.info.awsAddress)
    const registryRoutes = FIVE.map((host, index) => ({
      names: [host],
      address: `${net}.${10 + index}`,
      target: { host: peers.info.addresses[host], port: 443 },
      name: host
    }))
    const named = [
      {
        names: peers.info.apiHosts,
        address: `${net}.1`,
        target: { host: peers.info.awsAddress, port: 443 },
        name: 'AWS API'
      },
      { names: [OIDC_HOST], address: `${net}.2`, target: { host: '127.0.0.1', port: oidcTls.port }, name: 'OIDC' },
      ...registryRoutes
    ]
    const routes: RelayRoute[] = named.map(({ name, address, target }) => ({
      name,
      listen: { host: address, port: 443 },
      target
    }))
    const relay = new LatencyRelay(routes)
    await relay.start()
    stops.push(() => relay.stop())
    const hostsFile = relayHostsFile(peers.info, named)
    const daemon: DockerDaemon = await startDockerDaemon(
      join(peers.info.dir, 'relay-dockerd'),
      hostsFile,
      peers.info.caFile,
      FIVE
    )
    stops.push(() => daemon.stop())

    // The OIDC front's certificate beside the suite's CA: Node trusts both, as a runner trusts GitHub's.
    const caBundle = join(peers.info.dir, 'ca-and-oidc.pem')
    writeFileSync(caBundle, readFileSync(peers.info.caFile, 'utf8') + readFileSync(oidcTls.cert, 'utf8'))
    const backend = new URL(oidc.url)
    const world: World = {
      peers,
      aws,
      relay,
      jobPeers: { ...peers.info, hostsFile },
      baseEnv: {
        RUNNER_DEBUG: undefined,
        DOCKER_HOST: daemon.host,
        NODE_EXTRA_CA_CERTS: caBundle,
        // The runner sets these too; configure-aws-credentials refuses to run without them.
        GITHUB_ACTOR: 'octocat',
        GITHUB_ACTION: 'login'
      },
      oidcEnv: {
        ACTIONS_ID_TOKEN_REQUEST_URL: `https://${OIDC_HOST}${backend.pathname}${backend.search}`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken
      }
    }
    const all = cases(world, versions)
    const node = execFileSync(peers.info.node24, ['--version'], { encoding: 'utf8' }).trim()

    if (args.timeline) {
      process.stdout.write(`${await timeline(world, all, Number(args['timeline-delay']))}\n`)
      return
    }

    // One warm-up run of each case, not recorded: the first start of anything pays for cold caches.
    for (const item of all) await runOnce(world, 0, item)
    const samples = new Map(all.map(item => [item.name, new Map(DELAYS.map(delay => [delay, [] as number[]]))]))
    const started = Date.now()
    for (let round = 0; round < RUNS; round++) {
      // Rotate both orders each round: no case always runs first, or after the same one.
      for (let d = 0; d < DELAYS.length; d++) {
        const delay = DELAYS[(d + round) % DELAYS.length]
        for (let c = 0; c < all.length; c++) {
          const item = all[(c + round) % all.length]
          samples
            .get(item.name)!
            .get(delay)!
            .push(await runOnce(world, delay, item))
        }
      }
      process.stdout.write(`round ${round + 1}/${RUNS} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`)
    }
    const daemonVersion = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: daemon.host }
    }).trim()
    const markdown = report(samples, all, versions, { node, daemon: daemonVersion })
    if (!args['no-write']) writeSection('Network', markdown)
    process.stdout.write(`\n${markdown}`)
  } finally {
    await stopAll()
  }
}

await main()
