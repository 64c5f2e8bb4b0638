// `podman login` and `podman logout`, for runners with podman and no docker. Always with an explicit
// --authfile: without one, podman writes $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set, and
// rewrites it keeping only `auths` and `credHelpers`. The password goes to stdin only.

import * as core from '@actions/core'
import { runCli } from './cli.js'
import { ActionError, TransientError } from './errors.js'
import type { Env } from './types.js'

// podman's words for a refused password ("invalid username/password", "401 Unauthorized").
// "permission denied" is the local system's word, not the registry's.
const REFUSED = /invalid username\/password|unauthorized|\b40[13]\b|authentication required|(?<!permission )\bdenied\b/i
// A registry or network hiccup, worth another try.
const TRANSIENT =
  /\b50[0234]\b|\b429\b|too many requests|connection refused|connection reset|i\/o timeout|tls handshake timeout|timeout exceeded|temporary failure in name resolution|unexpected EOF|: EOF\b/i

/** Where podman keeps credentials when nothing else is said: containers-auth.json(5)'s default. */
export function defaultAuthFile(env: Env, uid: number | undefined = process.getuid?.()): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR}/containers/auth.json`
  return `/run/containers/${uid ?? 0}/auth.json`
}

function podmanMessage(output: string): string {
  return output
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
    .join(' ')
}

function runPodman(args: string[], env: Env, signal: AbortSignal, input?: string) {
  return runCli('podman', args, { env, signal, input })
}

/** One `podman login` attempt into `authFile`. Throws TransientError when a retry may succeed. */
export async function podmanLogin(
  host: string,
  username: string,
  password: string,
  authFile: string,
  env: Env,
  signal: AbortSignal
): Promise<void> {
  const { exitCode, stdout, stderr } = await runPodman(
    ['login', '--authfile', authFile, '--username', username, '--password-stdin', host],
    env,
    signal,
    password
  )
  const message = podmanMessage(stderr) || podmanMessage(stdout) || `exit code ${exitCode}`
  core.debug(`podman login ${host}: exit ${exitCode}; ${message}`)
  if (exitCode === 0) return
  if (REFUSED.test(message)) {
    throw new ActionError(
      `podman login to ${host} was rejected: ${message}. The registry refused the credentials ECR issued: ` +
        `check that ${host} is the registry you mean and that its account lets this principal in.`
    )
  }
  if (TRANSIENT.test(message)) throw new TransientError(`podman login to ${host}: ${message}`)
  throw new ActionError(`podman login to ${host} failed: ${message}`)
}

/** `podman logout` from `authFile`; returns podman's message when it fails, for a warning. */
export async function podmanLogout(
  host: string,
  authFile: string,
  env: Env,
  signal: AbortSignal
): Promise<string | undefined> {
  const { exitCode, stdout, stderr } = await runPodman(['logout', '--authfile', authFile, host], env, signal)
  const message = podmanMessage(stderr) || podmanMessage(stdout) || `exit code ${exitCode}`
  core.debug(`podman logout ${host}: exit ${exitCode}; ${message}`)
  return exitCode === 0 ? undefined : message
}
