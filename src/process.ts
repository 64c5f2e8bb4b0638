// Runs a command under an abort signal: when the signal aborts, the command and every process it
// started (docker's credential helpers) are killed, and the call settles only once they are gone.
// The command is what PATH names, run by its absolute path: spawning a bare name on Windows looks
// in the working directory (the checked-out repository) first.
//
// Not @actions/exec: its exec() takes no abort signal and hands back an exit code, never the child,
// so nothing could kill it at the deadline; it does not start the child as the leader of a process
// group (detached), so a kill would leave the credential helpers docker started running; and after
// the exit it waits up to 10 s for pipes such a helper may hold. What its ToolRunner does right is
// done here too: the absolute path from @actions/io's which, and .cmd/.bat through cmd.exe.

import { which } from '@actions/io'
import { spawn, spawnSync } from 'node:child_process'
import { resolve as resolvePath } from 'node:path'
import { pathFor, type Platform } from './platform.js'

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

// Absolute paths found, by name and the PATH they were found on: each is looked up once.
const found = new Map<string, string>()

/** The absolute path of the `name` PATH names (PATHEXT on Windows); an ENOENT error when none. */
export async function commandPath(name: string): Promise<string> {
  const key = [name, process.env.PATH, process.env.PATHEXT].join('\0')
  let path = found.get(key)
  if (path === undefined) {
    const onPath = await which(name, false)
    if (!onPath) throw Object.assign(new Error(`${name} is not on PATH`), { code: 'ENOENT' })
    // A relative PATH entry names a folder of the working directory: made absolute here.
    path = resolvePath(onPath)
    found.set(key, path)
  }
  return path
}

/** How to start a command file on `platform`: the arguments for spawn. */
export interface SpawnPlan {
  command: string
  args: string[]
  windowsVerbatimArguments: boolean
}

/** Whether `file` is a batch file (a `.cmd` or `.bat` shim), which only cmd.exe can run. */
export function isBatchFile(file: string, platform: Platform): boolean {
  return platform === 'win32' && /\.(cmd|bat)$/i.test(file)
}

/**
 * One argument of a cmd.exe command line, read back the same by the program a batch file runs (Go's
 * and the C runtime's rules). Quoted when it holds a blank or a character cmd.exe would act on, as
 * inside quotes it leaves `& | < > ^ ( )` alone, also when the batch file passes them on (`%*`);
 * backslashes before the closing quote are doubled. A `"`, `%` or line break cannot be passed
 * through cmd.exe intact: an error (no path, host or option this action passes holds one).
 */
export function quoteForCmd(arg: string): string {
  if (/["%\r\n\0]/.test(arg)) {
    throw new Error(`cmd.exe cannot pass on ${JSON.stringify(arg)} intact: it holds a ", a % or a line break`)
  }
  if (arg !== '' && !/[\s&|<>^(),;=]/.test(arg)) return arg
  return `"${arg.replace(/(\\+)$/, '$1$1')}"`
}

/**
 * How spawn starts `file` (an absolute path): itself; or, a batch file (Node refuses to spawn one
 * without a shell), through `cmdExe` (an absolute path too) as `cmd.exe /D /V:OFF /S /C "<line>"`
 * with the line as written: /D runs no AutoRun command, /V:OFF expands no `!NAME!`, /S strips only
 * the outer quotes.
 */
export function spawnPlan(file: string, args: string[], cmdExe: string | undefined): SpawnPlan {
  if (cmdExe === undefined) return { command: file, args, windowsVerbatimArguments: false }
  const line = [file, ...args].map(quoteForCmd).join(' ')
  return { command: cmdExe, args: ['/D', '/V:OFF', '/S', '/C', `"${line}"`], windowsVerbatimArguments: true }
}

/** cmd.exe by its absolute path: ComSpec, as Windows sets it, else the one PATH names. */
async function cmdExePath(env: NodeJS.ProcessEnv): Promise<string> {
  const comSpec = env.ComSpec ?? env.COMSPEC
  return comSpec && pathFor('win32').isAbsolute(comSpec) ? comSpec : commandPath('cmd.exe')
}

/**
 * Kills a process and its descendants. POSIX: the process leads its own group (it was started
 * detached), so the group is killed. Windows has no groups to signal: `taskkill /T` (by its
 * absolute path) walks the tree; without taskkill only the process itself can be killed.
 */
export function killProcessTree(
  pid: number,
  taskkill: string | undefined,
  platform: Platform = process.platform,
  kill: (pid: number, signal: NodeJS.Signals) => void = process.kill.bind(process),
  run: (command: string, args: string[]) => unknown = (command, args) =>
    spawnSync(command, args, { stdio: 'ignore', windowsHide: true })
): void {
  if (platform === 'win32') {
    if (taskkill) run(taskkill, ['/pid', String(pid), '/T', '/F'])
    else ignoreGone(() => kill(pid, 'SIGKILL'))
    return
  }
  // The group; else (killed in the instant before it made its group) the process itself.
  if (!ignoreGone(() => kill(-pid, 'SIGKILL'))) ignoreGone(() => kill(pid, 'SIGKILL'))
}

/** Runs `kill`; false when what it should kill is gone (or was never there). */
function ignoreGone(kill: () => void): boolean {
  try {
    kill()
    return true
  } catch {
    return false
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
 * Runs `command`, the one PATH names; never starts it once `signal` has aborted. Rejects with the
 * signal's reason when it aborts (after the process tree is dead), and with an ENOENT error when
 * PATH names no such command or it cannot start.
 */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  options.signal.throwIfAborted()
  const result = start(command, args, options)
  running.add(result)
  void result.then(
    () => running.delete(result),
    () => running.delete(result)
  )
  return result
}

async function start(command: string, args: string[], { input, env, signal }: RunOptions): Promise<ProcessResult> {
  const platform = process.platform
  const file = await commandPath(command)
  const plan = spawnPlan(file, args, isBatchFile(file, platform) ? await cmdExePath(process.env) : undefined)
  // Found before the start, so that an abort kills at once.
  const taskkill = platform === 'win32' ? await commandPath('taskkill').catch(() => undefined) : undefined
  signal.throwIfAborted()
  return new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(plan.command, plan.args, {
      env: definedEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: platform !== 'win32',
      windowsHide: true,
      windowsVerbatimArguments: plan.windowsVerbatimArguments
    })
    const onAbort = (): void => {
      if (child.pid !== undefined) killProcessTree(child.pid, taskkill)
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
}
