// What docker and podman have in common: where a login's credentials go (saved for the post
// step), running their CLI under the step's abort signal with the password on stdin only, the
// words that tell a refused login from a hiccup worth another try, and what to tell a user whose
// runner has neither.

import { ActionError, errorShape, messageOf } from './errors.js'
import { logText } from './log-text.js'
import { type ProcessResult, runProcess } from './process.js'

export type RegistryCli = 'docker' | 'podman'

/** Where the credentials go. Saved for the post step. */
export interface LoginTarget {
  client: RegistryCli
  /** docker: the config directory main logged in to; unset (state saved by an older main) means the
   * user's, DOCKER_CONFIG or ~/.docker, as the post step finds it. */
  dockerConfig?: string
  /** podman: the auth file, always passed with --authfile. */
  authFile?: string
  /** The job-private directory (`docker-config: job`), removed by the post step. */
  jobDir?: string
}

// A registry or network hiccup, worth another try; a 401 ("unauthorized") is not. Windows words
// its socket errors in prose (Go quotes the system's message after connectex, wsarecv, wsasend).
export const TRANSIENT_OUTPUT =
  /\b50[0234]\b|\b429\b|too many requests|internal server error|bad gateway|service unavailable|gateway time-?out|connection refused|connection reset|i\/o timeout|tls handshake timeout|timeout exceeded|temporary failure in name resolution|unexpected EOF|: EOF\b|actively refused it|forcibly closed by the remote host|established connection was aborted|did not properly respond after a period of time|temporary error during hostname resolution/i

// The registry refused the credentials (401/403, or its `unauthorized:`/`denied:` error codes;
// podman says "invalid username/password"): retrying cannot help. "permission denied" is the
// local system's word, not the registry's.
export const REFUSED_OUTPUT =
  /\b40[13]\b|unauthorized|forbidden|invalid username\/password|(?<!permission )\bdenied\b|authentication required|no basic auth credentials/i

/** The error for a login the registry refused. */
export function refusedLogin(cli: RegistryCli, host: string, message: string): ActionError {
  return new ActionError(
    `${cli} login to ${host} was rejected: ${message}. The registry refused the credentials ECR issued: ` +
      `check that ${host} is the registry you mean and that its account lets this principal in.`
  )
}

const INSTALL_HELP: Partial<Record<NodeJS.Platform, string>> = {
  darwin:
    "GitHub's macOS runners come without Docker: install the docker CLI before this step (`brew install docker`); " +
    'logging in needs no daemon. Building or running images does, and a VM for one (colima) needs nested ' +
    "virtualisation, which GitHub's arm64 macOS runners lack: run those jobs on ubuntu-latest.",
  win32: 'On Windows, install Docker (docker.exe) and add its folder to PATH; GitHub-hosted Windows runners have it.'
}

/** Why neither client can be found, and how to get docker on this kind of runner. */
export function noClientHelp(platform: NodeJS.Platform = process.platform): string {
  const install =
    INSTALL_HELP[platform] ??
    'GitHub-hosted Ubuntu runners have it; on a self-hosted runner or in a container job, install it ' +
      '(e.g. docker-ce-cli) or add it to PATH.'
  return (
    'docker is not on PATH, and neither is podman. This action runs `docker login` (or `podman login` on a ' +
    `runner with podman and no docker), so the runner needs one of them. ${install}`
  )
}

/**
 * One run of `cli`. A deadline or a cancel passes through as it is (the caller names what it
 * waited for); a CLI that cannot start becomes an ActionError saying how to get one.
 */
export async function runCli(
  cli: RegistryCli,
  args: string[],
  { env, signal, input }: { env: NodeJS.ProcessEnv; signal: AbortSignal; input?: string }
): Promise<ProcessResult> {
  try {
    return await runProcess(cli, args, { input: input === undefined ? undefined : Buffer.from(input), env, signal })
  } catch (error) {
    if (signal.aborted) throw error
    if (errorShape(error).code === 'ENOENT') throw new ActionError(noClientHelp(), { cause: error })
    throw new ActionError(`${cli} ${args[0]} could not run: ${logText(messageOf(error))}`, { cause: error })
  }
}
