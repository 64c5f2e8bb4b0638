// src/process.ts with real processes: the abort signal kills the command and what it started.
import fc from 'fast-check'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  commandPath,
  isBatchFile,
  killProcessTree,
  processesSettled,
  quoteForCmd,
  runProcess,
  spawnPlan
} from '../src/process.js'

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

/** A folder holding an executable script `name` that prints `says`. */
function scriptIn(dir: string, name: string, says: string): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, `#!/bin/sh\necho ${says}\n`)
  chmodSync(file, 0o755)
  return file
}

// With POSIX scripts; on Windows the same decisions are tested below through path.win32.
describe.skipIf(process.platform === 'win32')(
  'runProcess and commandPath: what PATH names, by its absolute path',
  () => {
    it('runs the command PATH names, never a file of that name in the working directory', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecr-login-path-'))
      const bin = join(dir, 'bin')
      const workspace = join(dir, 'workspace')
      scriptIn(bin, 'ecr-login-tool', 'from-path')
      scriptIn(workspace, 'ecr-login-tool', 'decoy')
      vi.stubEnv('PATH', `${bin}${delimiter}${process.env.PATH}`)
      const cwd = process.cwd()
      process.chdir(workspace)
      try {
        // An empty PATH entry is the working directory to a search by name (execvp; Windows' spawn
        // searches it first, whatever PATH says): only an absolute path keeps the decoy out.
        const env = { PATH: `${delimiter}${bin}` }
        const result = await runProcess('ecr-login-tool', [], { env, signal: LIVE })
        expect(result.stdout).toBe('from-path\n')
      } finally {
        process.chdir(cwd)
      }
    })

    it('finds a command once per PATH, as an absolute path even from a relative PATH entry', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecr-login-which-'))
      const tool = scriptIn(join(dir, 'bin'), 'ecr-login-once', 'once')
      const cwd = process.cwd()
      process.chdir(dir)
      try {
        vi.stubEnv('PATH', 'bin')
        expect(await commandPath('ecr-login-once')).toBe(tool)
      } finally {
        process.chdir(cwd)
      }
      vi.stubEnv('PATH', join(dir, 'bin'))
      expect(await commandPath('ecr-login-once')).toBe(tool)
      // Found once: the same PATH answers from memory, even once the file is gone.
      writeFileSync(tool, '')
      chmodSync(tool, 0o644)
      expect(await commandPath('ecr-login-once')).toBe(tool)
      vi.stubEnv('PATH', `${join(dir, 'bin')}${delimiter}`)
      await expect(commandPath('ecr-login-once')).rejects.toMatchObject({ code: 'ENOENT' })
    })
  }
)

describe('the spawn decisions on Windows', () => {
  it.each([
    ['C:\\Program Files\\Docker\\Docker\\resources\\bin\\docker.exe', 'win32', false],
    ['C:\\tools\\docker.cmd', 'win32', true],
    ['C:\\tools\\DOCKER.BAT', 'win32', true],
    ['/usr/local/bin/docker.cmd', 'linux', false]
  ] as const)('%s on %s is a batch file: %s', (file, platform, batch) => {
    expect(isBatchFile(file, platform)).toBe(batch)
  })

  it('starts a program by its absolute path, with its arguments as they are', () => {
    const file = 'C:\\Program Files\\Docker\\docker.exe'
    expect(spawnPlan(file, ['login', '--username', 'AWS', '--password-stdin', 'h'], undefined)).toEqual({
      command: file,
      args: ['login', '--username', 'AWS', '--password-stdin', 'h'],
      windowsVerbatimArguments: false
    })
  })

  it('starts a batch file through cmd.exe by its absolute path, with one quoted command line', () => {
    const cmd = 'C:\\Windows\\system32\\cmd.exe'
    const file = 'C:\\Program Files (x86)\\R&D\\docker.cmd'
    const args = ['login', '--authfile', 'D:\\a\\_temp\\ecr-login-x\\', 'x.dkr.ecr.eu-west-1.amazonaws.com']
    expect(spawnPlan(file, args, cmd)).toEqual({
      command: cmd,
      args: [
        '/D',
        '/V:OFF',
        '/S',
        '/C',
        '""C:\\Program Files (x86)\\R&D\\docker.cmd" login --authfile D:\\a\\_temp\\ecr-login-x\\ x.dkr.ecr.eu-west-1.amazonaws.com"'
      ],
      windowsVerbatimArguments: true
    })
  })

  it.each([
    ['login', 'login'],
    ['', '""'],
    ['C:\\My Folder\\auth.json', '"C:\\My Folder\\auth.json"'],
    ['C:\\My Folder\\', '"C:\\My Folder\\\\"'],
    ['a&b', '"a&b"'],
    ['(x)^|<y>', '"(x)^|<y>"']
  ])('quotes %j for cmd.exe as %s', (arg, quoted) => {
    expect(quoteForCmd(arg)).toBe(quoted)
  })

  it.each(['say "hi"', '%PATH%', 'two\nlines'])('refuses %j, which cmd.exe cannot pass on intact', arg => {
    expect(() => quoteForCmd(arg)).toThrow(/cmd\.exe cannot pass on/)
  })

  it('passes any argument cmd.exe can carry to the program intact, and exposes none of it to cmd.exe', () => {
    const arg = fc.string({ unit: fc.constantFrom(...'ab \t\\&|<>^(),;=!.:/x') })
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 4 }), args => {
        const line = ['C:\\t\\docker.cmd', ...args].map(quoteForCmd).join(' ')
        expect(outsideCmdQuotes(line)).not.toMatch(/[&|<>^()]/)
        expect(goArgv(line)).toEqual(['C:\\t\\docker.cmd', ...args])
      })
    )
  })
})

/** What cmd.exe acts on in `line`: the characters outside its quotes (each `"` toggles them). */
function outsideCmdQuotes(line: string): string {
  let quoted = false
  let outside = ''
  for (const char of line) {
    if (char === '"') quoted = !quoted
    else if (!quoted) outside += char
  }
  return outside
}

/**
 * The arguments a Go program (docker, podman) reads from a Windows command line: blanks outside
 * quotes separate; 2n backslashes and a quote are n backslashes and a toggle of the quotes, 2n+1
 * are n and a literal quote; other backslashes are themselves.
 */
function goArgv(line: string): string[] {
  const args: string[] = []
  let arg: string | undefined
  let quoted = false
  let backslashes = 0
  for (const char of line) {
    if (char === '\\') {
      backslashes++
      arg ??= ''
      continue
    }
    if (char === '"') {
      arg = (arg ?? '') + '\\'.repeat(backslashes >> 1) + (backslashes % 2 ? '"' : '')
      if (backslashes % 2 === 0) quoted = !quoted
    } else if ((char === ' ' || char === '\t') && !quoted) {
      if (arg !== undefined) args.push(arg + '\\'.repeat(backslashes))
      arg = undefined
    } else {
      arg = (arg ?? '') + '\\'.repeat(backslashes) + char
    }
    backslashes = 0
  }
  if (arg !== undefined) args.push(arg + '\\'.repeat(backslashes))
  return args
}

describe('killProcessTree', () => {
  it('on Windows walks the tree with taskkill /T /F by its absolute path, as there is no process group', () => {
    const run = vi.fn()
    const kill = vi.fn()
    killProcessTree(4242, 'C:\\Windows\\system32\\taskkill.exe', 'win32', kill, run)
    expect(run).toHaveBeenCalledExactlyOnceWith('C:\\Windows\\system32\\taskkill.exe', ['/pid', '4242', '/T', '/F'])
    expect(kill).not.toHaveBeenCalled()
  })

  it('on Windows without taskkill kills the process itself', () => {
    const run = vi.fn()
    const kill = vi.fn()
    killProcessTree(4242, undefined, 'win32', kill, run)
    expect(kill).toHaveBeenCalledExactlyOnceWith(4242, 'SIGKILL')
    expect(run).not.toHaveBeenCalled()
  })

  it.each(['linux', 'darwin'] as const)('on %s kills the process group with SIGKILL', platform => {
    const run = vi.fn()
    const kill = vi.fn()
    killProcessTree(4242, undefined, platform, kill, run)
    expect(kill).toHaveBeenCalledExactlyOnceWith(-4242, 'SIGKILL')
    expect(run).not.toHaveBeenCalled()
  })

  it('kills the process itself when it has no group yet', () => {
    const kill = vi.fn((pid: number) => {
      if (pid < 0) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' })
    })
    killProcessTree(4242, undefined, 'linux', kill)
    expect(kill.mock.calls).toEqual([
      [-4242, 'SIGKILL'],
      [4242, 'SIGKILL']
    ])
  })

  it('ignores a process that is gone already', () => {
    const kill = vi.fn(() => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' })
    })
    expect(() => killProcessTree(4242, undefined, 'linux', kill)).not.toThrow()
    expect(() => killProcessTree(4242, undefined, 'win32', kill)).not.toThrow()
  })
})
