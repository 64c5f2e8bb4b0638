// Runs a command under an abort signal: when the signal aborts, the command and every process it
// started (docker's credential helpers) are killed, and the call settles only once they are gone.

import { spawn, spawnSync } from 'node:child_process'

export interface ProcessResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  /** Given on stdin, then stdin is closed. */
  input?: Buffer
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

type Platform = NodeJS.Platform

/**
 * Kills a process and its descendants. POSIX: the process leads its own group (it was started
 * detached), so the group is killed. Windows has no groups to signal: `taskkill /T` walks the tree.
 */
export function killProcessTree(
  pid: number,
  platform: Platform = process.platform,
  kill: (pid: number, signal: NodeJS.Signals) => void = process.kill.bind(process),
  run: (command: string, args: string[]) => unknown = (command, args) =>
    spawnSync(command, args, { stdio: 'ignore', windowsHide: true })
): void {
  if (platform === 'win32') {
    run('taskkill', ['/pid', String(pid), '/T', '/F'])
    return
  }
  for (const target of [-pid, pid]) {
    try {
      // The group; else (killed in the instant before it made its group) the process itself.
      return kill(target, 'SIGKILL')
    } catch {
      // No such group, or gone already.
    }
  }
}

// Every process started and not yet gone, so that the step can wait until none can still write.
const running = new Set<Promise<unknown>>()

/** Settles once every process started by runProcess has exited. */
export async function processesSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running])
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((pair): pair is [string, string] => pair[1] !== undefined))
}

/**
 * Runs `command`; never starts it once `signal` has aborted. Rejects with the signal's reason when
 * it aborts (after the process tree is dead), and with spawn's error (ENOENT) when it cannot start.
 */
export function runProcess(
  command: string,
  args: string[],
  { input, env, signal }: RunOptions
): Promise<ProcessResult> {
  signal.throwIfAborted()
  const result = new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(command, args, {
      env: definedEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true
    })
    const onAbort = (): void => {
      if (child.pid !== undefined) killProcessTree(child.pid)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    // A command that exits without reading its stdin is its own story, told by its output.
    child.stdin.on('error', () => undefined)
    child.stdin.end(input)
    child.on('error', error => {
      signal.removeEventListener('abort', onAbort)
      reject(error)
    })
    // Killed: settle once it is gone, without waiting for pipes a daemonized helper may hold open.
    child.on('exit', () => {
      if (signal.aborted) reject(signal.reason as Error)
    })
    child.on('close', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort)
      if (signal.aborted) reject(signal.reason as Error)
      else resolve({ exitCode: code ?? 1, stdout, stderr: killedBy ? `${stderr}\nkilled by ${killedBy}` : stderr })
    })
  })
  running.add(result)
  void result.then(
    () => running.delete(result),
    () => running.delete(result)
  )
  return result
}
