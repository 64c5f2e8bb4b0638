// `docker login` and `docker logout`. The password goes to stdin only: never argv, never a log line.
// Every run is under an abort signal: at the deadline, or when the run is cancelled, docker and
// the credential helpers it started are killed (process.ts).

import * as core from '@actions/core'
import { dockerConfigFile, userDockerConfigDir } from './docker-config.js'
import { dockerPicksStore, holdsLogin, keepLoginInFile, namedStore, readDockerConfig } from './docker-store.js'
import { ActionError, messageOf, ThrottlingError, TransientError } from './errors.js'
import { logText } from './log-text.js'
import { REFUSED_OUTPUT, refusedLogin, runCli, TRANSIENT_OUTPUT } from './registry-cli.js'

// docker could not reach its daemon, or may not use its socket.
const DAEMON_OUTPUT =
  /cannot connect to the docker daemon|permission denied while trying to connect to the docker (daemon|api)|is the docker daemon running|error during connect/i

// docker's credential store (credsStore, credHelpers, or config.json itself) failed.
const STORE_OUTPUT =
  /error (getting|saving|storing|retrieving) credentials|docker-credential-[\w.-]+|the stub received bad data/i

export type LoginFailureKind = 'refused' | 'daemon' | 'credential-store' | 'transient' | 'failed'

/** The errors docker logs for each endpoint it tried before its final message. */
function endpointErrors(output: string): string[] {
  return [...output.matchAll(/level=info msg="Error logging in to endpoint[^"]*".* error="((?:[^"\\]|\\.)*)"/g)].map(
    match => logText(match[1].replace(/\\"/g, '"'))
  )
}

/**
 * Why a login failed, by what the daemon, the credential store or the registry said. Local
 * failures come first: their messages may hold words such as "denied". Docker tries https and, for
 * registries it deems insecure, http; a refusal from any endpoint is the answer.
 */
export function classifyLoginFailure(
  stdout: string,
  stderr: string,
  exitCode: number
): { message: string; kind: LoginFailureKind } {
  const final = dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
  if (DAEMON_OUTPUT.test(final)) return { message: final, kind: 'daemon' }
  if (STORE_OUTPUT.test(final)) return { message: final, kind: 'credential-store' }
  const refusal = [...endpointErrors(stderr), final].find(message => REFUSED_OUTPUT.test(message))
  if (refusal) return { message: refusal, kind: 'refused' }
  return { message: final, kind: TRANSIENT_OUTPUT.test(final) ? 'transient' : 'failed' }
}

// What docker adds to every successful login with a plain config.json: noise, not news.
const STORAGE_NOTICE =
  /^WARNING! Your (password will be|credentials are) stored unencrypted|^Configure a credential helper to remove this warning|^https:\/\/docs\.docker\.com\/\S*credential-store/

/** Docker's own words, on one line for the log, without its unencrypted-storage notice and its per-endpoint info lines. */
export function dockerMessage(output: string): string {
  const lines = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !STORAGE_NOTICE.test(line) && !/^time="[^"]*" level=(info|debug)/.test(line))
  return logText(lines.join(' '))
}

/** The credential helper docker uses for `host`: named in its message, else in its config. */
function credentialStoreOf(host: string, message: string, env: NodeJS.ProcessEnv): string | undefined {
  const named = /docker-credential-([\w.-]+)/.exec(message)?.[1]
  if (named) return named
  try {
    const config = readDockerConfig(dockerConfigFile(env))
    const store = config && namedStore(config, host)
    return store ? logText(store) : undefined
  } catch {
    return undefined
  }
}

function credentialStoreHelp(host: string, message: string, env: NodeJS.ProcessEnv): string {
  const config = logText(dockerConfigFile(env))
  const store = credentialStoreOf(host, message, env)
  // What works: without a store named, this action keeps the login in config.json itself.
  const without =
    `remove it from ${config} ("credsStore", or ${host} in "credHelpers"): this action then keeps ECR logins ` +
    `in config.json. Or, before this step, set DOCKER_CONFIG to an empty folder of the job's own (e.g. ` +
    `$RUNNER_TEMP/docker).`
  if (/the stub received bad data/i.test(message)) {
    return (
      `Windows' credential manager (docker-credential-${store ?? 'wincred'}, named in ${config}) cannot hold ` +
      `ECR's password: it is longer than wincred's 2,560-byte limit. To log in, ${without}`
    )
  }
  if (!store) {
    return `docker could not save the credentials in ${config}: check that the runner's user may write it.`
  }
  if (/not found|no such file|executable file/i.test(message)) {
    return (
      `${config} names the credential helper docker-credential-${store} ("credsStore" or "credHelpers"), ` +
      `which is not on PATH: install it, or ${without}`
    )
  }
  return (
    `its credential helper docker-credential-${store} (named in ${config}) failed: check that it works for ` +
    `this user (a keyring or keychain may be locked, or need a prompt no job can answer), or ${without}`
  )
}

/**
 * Keeps the login to `host` in config.json when docker would otherwise put it in an OS store it
 * picks by itself (docker-store.ts), and says so (once: from then on the file holds a login).
 */
function keepOutOfPickedStore(host: string, env: NodeJS.ProcessEnv): void {
  const file = dockerConfigFile(env)
  let wrote: boolean
  try {
    wrote = keepLoginInFile(file, host)
  } catch (error) {
    throw new ActionError(
      `Could not write ${logText(file)}: ${logText(messageOf(error))}. Check that the runner's user may write it.`
    )
  }
  if (wrote) {
    core.info(
      `The docker config ${logText(file)} names no credential store and holds no login: keeping ECR logins in it, where docker would ` +
        `otherwise pick the OS's store by itself (Windows' cannot hold an ECR password).`
    )
  }
}

/** One `docker login` attempt. Throws TransientError when a retry may succeed. */
export async function dockerLogin(
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<void> {
  keepOutOfPickedStore(host, env)
  const { exitCode, stdout, stderr } = await runCli(
    'docker',
    ['login', '--username', username, '--password-stdin', host],
    {
      env,
      signal,
      input: password
    }
  )
  core.debug(`docker login ${host}: exit ${exitCode}; ${dockerMessage(stdout)} ${dockerMessage(stderr)}`.trim())
  if (exitCode === 0) return
  const { message, kind } = classifyLoginFailure(stdout, stderr, exitCode)
  switch (kind) {
    case 'transient': {
      // A registry's 429 is throttling, even when docker's last word is about another endpoint it tried.
      const throttled = [message, ...endpointErrors(stderr)].find(text => /\b429\b|too ?many ?requests/i.test(text))
      if (throttled) throw new ThrottlingError(`docker login to ${host}: ${throttled}`)
      throw new TransientError(`docker login to ${host}: ${message}`)
    }
    case 'refused':
      throw refusedLogin('docker', host, message)
    case 'daemon':
      throw new ActionError(
        `docker login to ${host} failed: docker cannot reach its daemon (${message}). Start the Docker daemon, ` +
          `give the runner's user access to its socket (e.g. add it to the docker group), or point DOCKER_HOST ` +
          `at a daemon that runs.`
      )
    case 'credential-store':
      throw new ActionError(`docker login to ${host} failed: ${message}. ${credentialStoreHelp(host, message, env)}`)
    default:
      throw new ActionError(`docker login to ${host} failed: ${message}`)
  }
}

/** config.json as docker will read it; undefined when it cannot be read (docker will say why). */
function currentConfig(env: NodeJS.ProcessEnv): ReturnType<typeof readDockerConfig> {
  try {
    return readDockerConfig(dockerConfigFile(env))
  } catch {
    return undefined
  }
}

/**
 * `docker logout`; returns, for a warning, docker's message when it fails, and what it means when
 * there was no login to remove: config.json has no entry for the host (older docker CLIs said
 * "Not logged in to <host>"). docker is not run when config.json holds no login and names no
 * store: it would only ask a store it picks by itself (a locked keychain answers with an error, or
 * a prompt no job can answer), where this action keeps no login.
 */
export async function dockerLogout(
  host: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<string | undefined> {
  const notLoggedIn =
    `docker has no login for it in the docker config ${logText(userDockerConfigDir(env))}: another step ` +
    `logged out of it, or removed or replaced that config.`
  const config = currentConfig(env)
  // Nothing of this action's can be anywhere: no login in config.json, and no store named.
  if (config && dockerPicksStore(config)) {
    core.debug(`docker logout ${host}: not run, ${logText(dockerConfigFile(env))} names no store and holds no login`)
    return notLoggedIn
  }
  const { exitCode, stdout, stderr } = await runCli('docker', ['logout', host], { env, signal })
  core.debug(`docker logout ${host}: exit ${exitCode}; ${dockerMessage(stdout)} ${dockerMessage(stderr)}`.trim())
  if (exitCode !== 0) return dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
  // Run all the same, to erase what a store may still hold; docker 24 and later no longer say so.
  const wasLoggedIn = !config || holdsLogin(config, host)
  return wasLoggedIn && !/^Not logged in/im.test(stdout) ? undefined : notLoggedIn
}
