// `docker login` and `docker logout`. The password goes to stdin only: never argv, never a log line.
// Every run is under an abort signal: at the deadline, or when the run is cancelled, docker and
// the credential helpers it started are killed (process.ts).

import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { dockerConfigFile, userDockerConfigDir } from './docker-config.js'
import { ActionError, ThrottlingError, TransientError } from './errors.js'
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
    const config = JSON.parse(readFileSync(dockerConfigFile(env), 'utf8')) as {
      credsStore?: unknown
      credHelpers?: Record<string, unknown>
    }
    const store = config.credHelpers?.[host] ?? config.credsStore
    return typeof store === 'string' ? logText(store) : undefined
  } catch {
    return undefined
  }
}

function credentialStoreHelp(host: string, message: string, env: NodeJS.ProcessEnv): string {
  const config = logText(dockerConfigFile(env))
  const store = credentialStoreOf(host, message, env)
  if (/the stub received bad data/i.test(message)) {
    return (
      `Windows' credential manager (docker-credential-wincred) cannot hold ECR's password: it is longer than ` +
      `wincred's 2,560-byte limit. Use a docker config without "credsStore": for example, before this step, ` +
      `set DOCKER_CONFIG to a new folder (e.g. $RUNNER_TEMP/docker) holding a config.json of {}.`
    )
  }
  if (!store) {
    return `docker could not save the credentials in ${config}: check that the runner's user may write it.`
  }
  if (/not found|no such file|executable file/i.test(message)) {
    return (
      `${config} names the credential helper docker-credential-${store} ("credsStore" or "credHelpers"), ` +
      `which is not on PATH: install it, or remove it from ${config}.`
    )
  }
  return (
    `its credential helper docker-credential-${store} (named in ${config}) failed: check that it works for ` +
    `this user (a keyring or keychain may be locked, or need a prompt no job can answer), or remove it from ${config}.`
  )
}

/** One `docker login` attempt. Throws TransientError when a retry may succeed. */
export async function dockerLogin(
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<void> {
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

/**
 * `docker logout`; returns, for a warning, docker's message when it fails, and what it means when
 * docker found no login to remove (it says "Not logged in to <host>" and exits 0).
 */
export async function dockerLogout(
  host: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<string | undefined> {
  const { exitCode, stdout, stderr } = await runCli('docker', ['logout', host], { env, signal })
  core.debug(`docker logout ${host}: exit ${exitCode}; ${dockerMessage(stdout)} ${dockerMessage(stderr)}`.trim())
  if (exitCode !== 0) return dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
  if (/^Not logged in/im.test(stdout)) {
    return (
      `docker has no login for it in the docker config ${logText(userDockerConfigDir(env))} ("${dockerMessage(stdout)}"): ` +
      `another step logged out of it, or removed or replaced that config.`
    )
  }
  return undefined
}
