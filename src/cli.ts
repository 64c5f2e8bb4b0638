// Runs a registry client's CLI (docker, podman) under the step's abort signal, with what it reads
// (the password) on stdin only.

import { ActionError, messageOf } from './errors.js'
import { type ProcessResult, runProcess } from './process.js'
import type { Env } from './types.js'

/**
 * One run of `command`. A deadline or a cancel passes through as it is (the caller names what it
 * waited for); a CLI that cannot start becomes an ActionError, `missing` when it is not on PATH.
 */
export async function runCli(
  command: 'docker' | 'podman',
  args: string[],
  { env, signal, input, missing }: { env: Env; signal: AbortSignal; input?: string; missing?: () => string }
): Promise<ProcessResult> {
  try {
    return await runProcess(command, args, { input: input === undefined ? undefined : Buffer.from(input), env, signal })
  } catch (error) {
    if (signal.aborted) throw error
    if (missing && (error as { code?: string }).code === 'ENOENT') throw new ActionError(missing(), { cause: error })
    throw new ActionError(`${command} ${args[0]} could not run: ${messageOf(error)}`, { cause: error })
  }
}
