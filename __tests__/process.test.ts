// src/process.ts with real processes: the abort signal kills the command and what it started.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { killProcessTree, processesSettled, runProcess } from '../src/process.js'

const LIVE = new AbortController().signal

/** Whether `pid` still runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('runProcess', () => {
  it('gives the command its stdin and environment, and returns its output and exit code', async () => {
    const result = await runProcess('sh', ['-c', 'cat; echo "$GREETING" >&2; exit 3'], {
      input: Buffer.from('from stdin'),
      env: { PATH: process.env.PATH, GREETING: 'hello', GONE: undefined },
      signal: LIVE
    })
    expect(result).toEqual({ exitCode: 3, stdout: 'from stdin', stderr: 'hello\n' })
  })

  it('kills the command and the processes it started when the signal aborts, then rejects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-kill-'))
    const late = join(dir, 'written-late')
    const pidFile = join(dir, 'helper.pid')
    const controller = new AbortController()
    // A helper in the background, as docker starts a credential helper: it would write after 0.2 s.
    const script = `(sleep 0.2; echo late > '${late}') & echo $! > '${pidFile}'; wait`
    const run = runProcess('sh', ['-c', script], { env: { PATH: process.env.PATH }, signal: controller.signal })
    await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()).toBeTruthy())
    const helper = Number(readFileSync(pidFile, 'utf8'))
    controller.abort(new Error('deadline'))
    await expect(run).rejects.toThrow('deadline')
    // SIGKILL reaches the group at once, but the kernel may take a moment to end the helper.
    await vi.waitFor(() => expect(alive(helper)).toBe(false), { timeout: 1000, interval: 5 })
    // The proof: had it lived, it would have written by now.
    await new Promise(resolve => setTimeout(resolve, 350))
    expect(existsSync(late)).toBe(false)
  })

  it('settles once killed even when a helper that left its group still holds the output pipe', async () => {
    const controller = new AbortController()
    // As a credential helper that daemonizes (a new session) keeping docker's stdout.
    const started = join(mkdtempSync(join(tmpdir(), 'ecr-login-setsid-')), 'started')
    const run = runProcess('sh', ['-c', `setsid sleep 2 & touch '${started}'; wait`], {
      env: { PATH: process.env.PATH },
      signal: controller.signal
    })
    await vi.waitFor(() => expect(existsSync(started)).toBe(true))
    const aborted = Date.now()
    controller.abort(new Error('deadline'))
    await expect(run).rejects.toThrow('deadline')
    expect(Date.now() - aborted).toBeLessThan(1000)
  })

  it('never starts once the signal has aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecr-login-never-'))
    const controller = new AbortController()
    controller.abort(new Error('too late'))
    expect(() =>
      runProcess('sh', ['-c', `touch '${join(dir, 'ran')}'`], {
        env: { PATH: process.env.PATH },
        signal: controller.signal
      })
    ).toThrow('too late')
    await processesSettled()
    expect(existsSync(join(dir, 'ran'))).toBe(false)
  })

  it('rejects with ENOENT when the command does not exist', async () => {
    await expect(
      runProcess('no-such-command-here', [], { env: { PATH: '/nonexistent' }, signal: LIVE })
    ).rejects.toMatchObject({
      code: 'ENOENT'
    })
  })

  it('processesSettled waits until every started process has exited', async () => {
    const started = Date.now()
    void runProcess('sleep', ['0.3'], { env: { PATH: process.env.PATH }, signal: LIVE })
    await processesSettled()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })
})

describe('killProcessTree', () => {
  it('on Windows walks the tree with taskkill /T /F, as there is no process group', () => {
    const run = vi.fn()
    const kill = vi.fn()
    killProcessTree(4242, 'win32', kill, run)
    expect(run).toHaveBeenCalledExactlyOnceWith('taskkill', ['/pid', '4242', '/T', '/F'])
    expect(kill).not.toHaveBeenCalled()
  })

  it.each(['linux', 'darwin'] as const)('on %s kills the process group with SIGKILL', platform => {
    const run = vi.fn()
    const kill = vi.fn()
    killProcessTree(4242, platform, kill, run)
    expect(kill).toHaveBeenCalledExactlyOnceWith(-4242, 'SIGKILL')
    expect(run).not.toHaveBeenCalled()
  })

  it('kills the process itself when it has no group yet', () => {
    const kill = vi.fn((pid: number) => {
      if (pid < 0) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' })
    })
    killProcessTree(4242, 'linux', kill)
    expect(kill.mock.calls).toEqual([
      [-4242, 'SIGKILL'],
      [4242, 'SIGKILL']
    ])
  })

  it('ignores a process that is gone already', () => {
    const kill = vi.fn(() => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' })
    })
    expect(() => killProcessTree(4242, 'linux', kill)).not.toThrow()
  })
})
