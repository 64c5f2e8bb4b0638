// Child processes the suite starts: each is killed at teardown, and a peer that dies or does not
// come up fails the suite loudly instead of letting it pass by skipping.

import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

const running = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface Peer {
  name: string
  child: ChildProcess
  logFile: string
}

/** Starts a long-running peer; its output goes to `logFile`. */
export function startPeer(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  options: SpawnOptions = {}
): Peer {
  const log = createWriteStream(logFile)
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  running.add(child)
  child.on('exit', () => running.delete(child))
  child.on('error', error => log.write(`spawn error: ${error.message}\n`))
  return { name, child, logFile }
}

/** Stops a peer: SIGTERM, then SIGKILL after `graceMs` (longer for one that stops children of its own). */
export async function stopPeer(peer: Peer, graceMs = 3000): Promise<void> {
  const { child } = peer
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

function logTail(peer: Peer): string {
  const text = existsSync(peer.logFile) ? readFileSync(peer.logFile, 'utf8') : ''
  return text.split('\n').slice(-15).join('\n') || '(no output)'
}

/** Polls `ready` until it resolves true, or throws naming the peer and the end of its log. */
export async function waitUntil(peer: Peer, ready: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (peer.child.exitCode !== null) {
      throw new Error(`${peer.name} exited with code ${peer.child.exitCode} while starting:\n${logTail(peer)}`)
    }
    if (await ready().catch(() => false)) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`${peer.name} did not become ready within ${timeoutMs} ms:\n${logTail(peer)}`)
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${output}`))
    )
  })
}
