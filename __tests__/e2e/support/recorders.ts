// Commands that record how they were run (argv, and the password when given `--password-stdin`):
// a shim first on PATH that then runs the real command, or a decoy that must never run at all.

import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

interface Run {
  argv: string[]
  /** What it read on stdin: only with `--password-stdin`, else empty. */
  stdin: string
}

export interface Recorder {
  /** The runs so far, oldest first. */
  runs(): Run[]
}

/**
 * Writes `dir/name`, a command that records each run in `records`, then does `then` (a bash
 * line; `$stdin` holds what it read). Written beside and renamed, so that no step can run it
 * half-written.
 */
function writeRecordingCommand(dir: string, name: string, records: string, then: string): void {
  mkdirSync(dir, { recursive: true })
  mkdirSync(records, { recursive: true })
  const file = join(dir, name)
  writeFileSync(
    `${file}.tmp`,
    [
      '#!/bin/bash',
      `record="${records}/$(date +%s%N)-$$"`,
      'printf "%s\\0" "$@" > "$record.argv"',
      'stdin=',
      'if [[ " $* " == *" --password-stdin "* ]]; then',
      '  stdin=$(cat); printf "%s" "$stdin" > "$record.stdin"',
      'fi',
      then,
      ''
    ].join('\n')
  )
  chmodSync(`${file}.tmp`, 0o755)
  renameSync(`${file}.tmp`, file)
}

function recorder(records: string): Recorder {
  return {
    runs: () =>
      readdirSync(records)
        .filter(name => name.endsWith('.argv'))
        .sort()
        .map(name => {
          const base = join(records, name.slice(0, -'.argv'.length))
          const argv = readFileSync(`${base}.argv`, 'utf8').split('\0').slice(0, -1)
          let stdin = ''
          try {
            stdin = readFileSync(`${base}.stdin`, 'utf8')
          } catch {
            // it read no stdin
          }
          return { argv, stdin }
        })
  }
}

/** A `command` in a new folder `dir/shim-bin` (put it first on PATH) that records, then runs the real one. */
export function commandShim(dir: string, command: string): Recorder & { bin: string } {
  const real = execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim()
  const bin = join(dir, 'shim-bin')
  const records = join(dir, `shim-records-${command}`)
  writeRecordingCommand(
    bin,
    command,
    records,
    [
      'if [[ " $* " == *" --password-stdin "* ]]; then',
      `  printf "%s" "$stdin" | ${real} "$@"`,
      '  exit "${PIPESTATUS[1]}"',
      'fi',
      `exec ${real} "$@" < /dev/null`
    ].join('\n')
  )
  return { bin, ...recorder(records) }
}

/**
 * A decoy `command` in `dir` (a workspace, where a search of the working directory would find it)
 * that records each run in `recordsDir/command` and answers as a successful login would: the worst
 * a checked-out file could do.
 */
export function decoy(dir: string, command: string, recordsDir: string): Recorder {
  const records = join(recordsDir, command)
  writeRecordingCommand(dir, command, records, 'echo "Login Succeeded"')
  return recorder(records)
}
