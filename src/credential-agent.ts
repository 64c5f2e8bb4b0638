// The credential agent (credential-helper: true): a process the main step starts, detached, that
// holds the ECR passwords in memory only and answers docker's credential helper on a user-only
// socket (a named pipe on Windows), renews the passwords before they expire, and ends with the
// job: when the runner process it watches is gone, when its folder is removed, on a signal, after a
// maximum lifetime, or when the post step stops it; as it ends it puts back the config entries that
// name its helper. It reads everything from its stdin pipe: lines of
// JSON, a start line, then one line per login as main gets them. Nothing secret is on its command
// line or in its environment. It must start fast: the AWS SDK is loaded only for a renewal.

import { timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { type AgentAnswer, type AgentRequest, ENDPOINT_FILE, MAX_LINE_BYTES } from './credential-protocol.js'
import { type HelperEntries, removeHelperEntries } from './credential-config.js'
import type { AgentStart, HandedLogin, HandoverLine, RenewalPlan } from './credential-handover.js'
import { CredentialStore, type Renewal } from './credential-store.js'

export interface AgentOptions {
  renew?: (plan: RenewalPlan) => Promise<Renewal>
  exit?: (code: number) => void
  watchIntervalMs?: number
  platform?: NodeJS.Platform
}

// setTimeout's longest delay (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1
const WATCH_INTERVAL_MS = 500

/** Linux: when the process started, so that a reused process ID is not taken for the runner. */
function startTime(pid: number, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'linux') return undefined
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count from its end.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function isAlive(pid: number, platform: NodeJS.Platform, started: string | undefined): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return started === undefined || startTime(pid, platform) === started
}

/** The key a request carries, compared in constant time. */
export function keyMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

function parseRequest(line: string): { key?: unknown } & Partial<AgentRequest> {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null ? value : {}
  } catch {
    return {}
  }
}

function validRequest(request: Partial<AgentRequest>): request is AgentRequest {
  switch (request.action) {
    case 'get':
    case 'erase':
      return typeof request.serverURL === 'string'
    case 'store':
      return (
        typeof request.serverURL === 'string' &&
        typeof request.username === 'string' &&
        typeof request.secret === 'string'
      )
    case 'list':
    case 'ping':
    case 'stop':
      return true
    default:
      return false
  }
}

export interface RunningAgent {
  store: CredentialStore
  server: Server
  /** Holds a login main handed over, plans its renewal, and remembers the config entry to put back. */
  hold(login: HandedLogin): void
  stop(): void
}

/** Listens on the start's address and keeps the store renewed until the job ends. */
async function startAgent(start: AgentStart, options: AgentOptions = {}): Promise<RunningAgent> {
  const platform = options.platform ?? process.platform
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const { renewal: plan } = start
  const renewWith = options.renew
  const store = new CredentialStore(plan && renewWith ? () => renewWith(plan) : undefined)
  let renewTimer: NodeJS.Timeout | undefined
  let stopped = false
  let stopAsked = false

  const schedule = (): void => {
    clearTimeout(renewTimer)
    const next = store.nextRenewal()
    if (next === undefined || stopped) return
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - Date.now()))
    renewTimer = setTimeout(() => void store.renewNow().finally(schedule), delay)
  }

  const answer = async (line: string): Promise<AgentAnswer> => {
    const request = parseRequest(line)
    if (!keyMatches(start.key, request.key)) return { ok: false, error: 'the request does not carry this job’s key' }
    if (!validRequest(request)) return { ok: false, error: 'not a request this agent knows' }
    if (request.action === 'stop') {
      // Once the answer is out.
      stopAsked = true
      return { ok: true }
    }
    const result = await store.answer(request)
    // A get may have renewed, a store or erase changed what is held.
    schedule()
    return result
  }

  // Half-open: a helper ends its side once its request is written, and waits for the answer.
  const server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    let received = ''
    socket.setEncoding('utf8')
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: string) => {
      received += chunk
      if (received.length > MAX_LINE_BYTES) socket.destroy()
      const end = received.indexOf('\n')
      if (end < 0) return
      socket.removeAllListeners('data')
      void answer(received.slice(0, end)).then(result =>
        socket.end(`${JSON.stringify(result)}\n`, () => {
          if (stopAsked) stop()
        })
      )
    })
  })

  const watched = start.watchPid
  const watchedStart = watched === undefined ? undefined : startTime(watched, platform)
  const watchdog = setInterval(() => {
    if (watched !== undefined && !isAlive(watched, platform, watchedStart)) stop()
    else if (!existsSync(start.dir)) stop()
  }, options.watchIntervalMs ?? WATCH_INTERVAL_MS)
  const lifetime = setTimeout(stop, Math.min(MAX_TIMER_MS, start.maxLifetimeMs))

  // The config entries naming the helper, put back as the agent ends (after the post step did, a no-op).
  const entries: HelperEntries = { file: start.configFile, previous: {} }

  function stop(): void {
    if (stopped) return
    stopped = true
    try {
      removeHelperEntries(entries)
    } catch {
      // A config no one can read any more: docker says so to whoever uses it next.
    }
    clearInterval(watchdog)
    clearTimeout(lifetime)
    clearTimeout(renewTimer)
    // Nothing that can reach it is left: closing removes the socket file, and the key goes.
    server.close()
    rmSync(join(start.dir, ENDPOINT_FILE), { force: true })
    exit(0)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(start.address, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const hold = (login: HandedLogin): void => {
    store.hold({ ...login, expiresAt: login.expiresAt ? Date.parse(login.expiresAt) : undefined })
    entries.previous[login.host] ??= login.previousHelper
    schedule()
  }
  return { store, server, hold, stop }
}

function parseLine(line: string): { start?: AgentStart; login?: HandedLogin } {
  try {
    return JSON.parse(line) as HandoverLine
  } catch {
    return {}
  }
}

/** Hands each login line to the agent; resolves at the end of the handover (main closed the pipe). */
async function readLogins(lines: AsyncIterator<string>, agent: RunningAgent): Promise<void> {
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const { login } = parseLine(next.value)
    if (!login) continue
    agent.hold(login)
  }
}

type RenewLogins = (plan: RenewalPlan) => Promise<Renewal>

/** Renews with the main step's bundle, beside this one: loaded the first time, as it brings the AWS SDK. */
async function renewWithMainBundle(plan: RenewalPlan): Promise<Renewal> {
  const bundle = pathToFileURL(join(dirname(process.argv[1]), '..', 'main', 'index.js')).href
  const { renewLogins } = (await import(/* webpackIgnore: true */ bundle)) as { renewLogins: RenewLogins }
  return renewLogins(plan)
}

/** The agent's process: the handover on `input`, then serving until the job ends. */
export async function run(input: Readable = process.stdin, options: AgentOptions = {}): Promise<RunningAgent> {
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]()
  const first = await lines.next()
  const start = first.done ? undefined : parseLine(first.value).start
  const exit = options.exit ?? ((code: number) => process.exit(code))
  if (!start) {
    exit(2)
    throw new Error('no start line on the pipe')
  }
  const renew = options.renew ?? renewWithMainBundle
  const agent = await startAgent(start, { ...options, renew })
  // Ended by a signal (the runner's cleanup, a cancel): nothing that can reach it is left either.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => agent.stop())
  await readLogins(lines, agent)
  return agent
}
