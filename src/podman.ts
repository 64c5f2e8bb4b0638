// `podman login` and `podman logout`, for runners with podman and no docker. Always with an explicit
// --authfile: without one, podman writes $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set, and
// rewrites it keeping only `auths` and `credHelpers`. The password goes to stdin only.

import * as core from '@actions/core'
import { ActionError, TransientError } from './errors.js'
import { logText } from './log-text.js'
import { homeDirectory, pathFor, type Platform } from './platform.js'
import { REFUSED_OUTPUT, refusedLogin, runCli, TRANSIENT_OUTPUT } from './registry-cli.js'

/**
 * Where podman keeps credentials when nothing else is said, as containers/image resolves it
 * (pkg/docker/config): REGISTRY_AUTH_FILE; on Linux the runtime folder; on every other OS (macOS,
 * Windows: podman's client runs there, its machine in a VM) a file in the home folder.
 */
export function defaultAuthFile(
  env: NodeJS.ProcessEnv,
  uid: number | undefined = process.getuid?.(),
  platform: Platform = process.platform
): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE
  if (platform !== 'linux') return pathFor(platform).join(homeDirectory(env, platform), '.config/containers/auth.json')
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR}/containers/auth.json`
  return `/run/containers/${uid ?? 0}/auth.json`
}

/** podman's own words, on one line for the log. */
function podmanMessage(output: string): string {
  return logText(
    output
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean)
      .join(' ')
  )
}

/** One `podman login` attempt into `authFile`. Throws TransientError when a retry may succeed. */
export async function podmanLogin(
  host: string,
  username: string,
  password: string,
  authFile: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<void> {
  const { exitCode, stdout, stderr } = await runCli(
    'podman',
    ['login', '--authfile', authFile, '--username', username, '--password-stdin', host],
    {
      env,
      signal,
      input: password
    }
  )
  const message = podmanMessage(stderr) || podmanMessage(stdout) || `exit code ${exitCode}`
  core.debug(`podman login ${host}: exit ${exitCode}; ${message}`)
  if (exitCode === 0) return
  if (REFUSED_OUTPUT.test(message)) throw refusedLogin('podman', host, message)
  if (TRANSIENT_OUTPUT.test(message)) throw new TransientError(`podman login to ${host}: ${message}`)
  throw new ActionError(`podman login to ${host} failed: ${message}`)
}

/** `podman logout` from `authFile`; returns podman's message when it fails, for a warning. */
export async function podmanLogout(
  host: string,
  authFile: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<string | undefined> {
  const { exitCode, stdout, stderr } = await runCli('podman', ['logout', '--authfile', authFile, host], { env, signal })
  const message = podmanMessage(stderr) || podmanMessage(stdout) || `exit code ${exitCode}`
  core.debug(`podman logout ${host}: exit ${exitCode}; ${message}`)
  return exitCode === 0 ? undefined : message
}
