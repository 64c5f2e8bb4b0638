// Keeping a login where docker keeps it, and `docker logout`. A login the registry has accepted
// (registry-check.ts) is written as `docker login` writes it: into the credential store the
// config names (its helper's `store`, the password on stdin only), else into config.json. docker
// login itself would check the password with the registry again, over two new connections, after
// the token has arrived (issue 18). Every run is under an abort signal: at the deadline, or when
// the run is cancelled, docker and the credential helpers are killed (process.ts).

import * as core from '@actions/core'
import { dockerConfigFile, userDockerConfigDir } from './docker-config.js'
import { dockerPicksStore, holdsLogin, namedStore, readDockerConfig, recordLogin } from './docker-store.js'
import { ActionError, errorShape, messageOf } from './errors.js'
import { logText } from './log-text.js'
import { type ProcessResult, runProcess } from './process.js'
import { runCli } from './registry-cli.js'

// What docker adds to its output that is noise, not news: its unencrypted-storage notice.
const STORAGE_NOTICE =
  /^WARNING! Your (password will be|credentials are) stored unencrypted|^Configure a credential helper to remove this warning|^https:\/\/docs\.docker\.com\/\S*credential-store/

/** Docker's own words, on one line for the log, without its storage notice and its info lines. */
export function dockerMessage(output: string): string {
  const lines = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !STORAGE_NOTICE.test(line) && !/^time="[^"]*" level=(info|debug)/.test(line))
  return logText(lines.join(' '))
}

/** Why docker-credential-`store` could not keep the login to `host`, and what to do about it. */
function storeFailed(store: string, host: string, message: string, env: NodeJS.ProcessEnv): ActionError {
  const config = logText(dockerConfigFile(env))
  const helper = `docker-credential-${logText(store)}`
  // What works: without a store named, this action keeps the login in config.json itself.
  const without =
    `remove it from ${config} ("credsStore", or ${host} in "credHelpers"): this action then keeps ECR logins ` +
    `in config.json. Or, before this step, set DOCKER_CONFIG to an empty folder of the job's own (e.g. ` +
    `$RUNNER_TEMP/docker).`
  const help = /the stub received bad data/i.test(message)
    ? `Windows' credential manager (${helper}, named in ${config}) cannot hold ECR's password: it is longer ` +
      `than wincred's 2,560-byte limit. To log in, ${without}`
    : /executable file not found/i.test(message)
      ? `${config} names the credential helper ${helper} ("credsStore" or "credHelpers"), which is not on PATH: ` +
        `install it, or ${without}`
      : `its credential helper ${helper} (named in ${config}) failed: check that it works for this user (a ` +
        `keyring or keychain may be locked, or need a prompt no job can answer), or ${without}`
  return new ActionError(`Storing the login to ${host} failed: ${message}. ${help}`)
}

/** Hands the credentials to docker-credential-`store` as docker does: JSON on stdin, its error on stdout. */
async function storeInHelper(
  store: string,
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<void> {
  const helper = `docker-credential-${store}`
  const input = Buffer.from(JSON.stringify({ ServerURL: host, Username: username, Secret: password }))
  let result: ProcessResult
  try {
    result = await runProcess(helper, ['store'], { input, env, signal })
  } catch (error) {
    if (signal.aborted) throw error
    // Node's message names the program; ENOENT's says nothing of PATH.
    const why = errorShape(error).code === 'ENOENT' ? `${helper}: executable file not found in PATH` : messageOf(error)
    throw storeFailed(store, host, logText(why), env)
  }
  if (result.exitCode === 0) return
  // Its words without a closing full stop: the message goes on after them.
  const said = dockerMessage(result.stdout) || dockerMessage(result.stderr) || `exit code ${result.exitCode}`
  throw storeFailed(store, host, `${logText(helper)}: ${said.replace(/\.+$/, '')}`, env)
}

/**
 * Keeps a login the registry has accepted where docker keeps one: in the store config.json names
 * for `host`, else in config.json itself, also where docker would pick the OS's store by itself.
 */
export async function dockerLogin(
  host: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal
): Promise<void> {
  const file = dockerConfigFile(env)
  let config: ReturnType<typeof readDockerConfig>
  try {
    config = readDockerConfig(file)
  } catch (error) {
    throw new ActionError(
      `Could not read ${logText(file)}: ${logText(messageOf(error))}. Check that the runner's user may read it.`
    )
  }
  if (!config) {
    throw new ActionError(
      `${logText(file)} is not a docker config (a JSON object whose "auths" and "credHelpers" are objects): ` +
        `docker cannot read it either. Fix it or remove it.`
    )
  }
  const store = namedStore(config, host)
  if (store) await storeInHelper(store, host, username, password, env, signal)
  else if (dockerPicksStore(config)) {
    core.info(
      `The docker config ${logText(file)} names no credential store and holds no login: keeping ECR logins in it, where docker would ` +
        `otherwise pick the OS's store by itself (Windows' cannot hold an ECR password).`
    )
  }
  // Nothing is written once the step has given up.
  signal.throwIfAborted()
  try {
    recordLogin(file, config, host, store ? undefined : Buffer.from(`${username}:${password}`).toString('base64'))
  } catch (error) {
    throw new ActionError(
      `Could not write ${logText(file)}: ${logText(messageOf(error))}. Check that the runner's user may write it.`
    )
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
