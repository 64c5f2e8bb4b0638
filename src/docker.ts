// `docker login` and `docker logout`. The password goes to stdin only: never argv, never a log line.

import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ActionError, messageOf } from './errors.js'
import { TransientError } from './retry.js'

export const DOCKER_MISSING_HELP =
  'docker is not on PATH. This action runs `docker login`, so the runner needs the Docker CLI: ' +
  'GitHub-hosted Ubuntu runners have it; on a self-hosted runner or in a container job, install it ' +
  '(e.g. docker-ce-cli) or add it to PATH.'

type Env = Record<string, string | undefined>

/** Whether `docker` can be found, checked before any credentials are fetched. */
export function dockerOnPath(env: Env = process.env): boolean {
  const names = process.platform === 'win32' ? ['docker.exe', 'docker.cmd', 'docker'] : ['docker']
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK)
        return true
      } catch {
        // not here
      }
    }
  }
  return false
}

// A registry or network hiccup, worth another try; a 401 ("unauthorized") is not.
const TRANSIENT_OUTPUT =
  /\b50[0234]\b|internal server error|bad gateway|service unavailable|gateway time-?out|connection refused|connection reset|i\/o timeout|tls handshake timeout|timeout exceeded|temporary failure in name resolution|unexpected EOF|: EOF\b/i

// The registry refused the credentials: retrying cannot help.
const REFUSED_OUTPUT = /\b40[13]\b|unauthorized|forbidden|denied|authentication required|no basic auth credentials/i

/** The errors docker logs for each endpoint it tried before its final message. */
function endpointErrors(output: string): string[] {
  return [...output.matchAll(/level=info msg="Error logging in to endpoint[^"]*".* error="((?:[^"\\]|\\.)*)"/g)].map(
    match => match[1].replace(/\\"/g, '"')
  )
}

/**
 * Why a login failed, and whether a retry may help. Docker tries https and, for registries it
 * deems insecure, http; a refusal from any endpoint is the answer, whatever the last one said.
 */
export function classifyLoginFailure(
  stdout: string,
  stderr: string,
  exitCode: number
): { message: string; transient: boolean } {
  const final = dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
  const refusal = [...endpointErrors(stderr), final].find(message => REFUSED_OUTPUT.test(message))
  if (refusal) return { message: refusal, transient: false }
  return { message: final, transient: TRANSIENT_OUTPUT.test(final) }
}

/** Docker's own words, without the noise of its unencrypted-storage notice. */
export function dockerMessage(output: string): string {
  return output
    .split('\n')
    .map(line => line.trim())
    .filter(
      line => line && !/^WARNING!|credential helper|credential-store|^time="[^"]*" level=(info|debug)/i.test(line)
    )
    .join(' ')
}

function definedEnv(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((pair): pair is [string, string] => pair[1] !== undefined))
}

async function runDocker(args: string[], env: Env, input?: string) {
  try {
    return await exec.getExecOutput('docker', args, {
      input: input === undefined ? undefined : Buffer.from(input),
      env: definedEnv(env),
      silent: true,
      ignoreReturnCode: true
    })
  } catch (error) {
    // @actions/exec throws when it cannot find or start the executable.
    if (/unable to locate executable/i.test(messageOf(error)))
      throw new ActionError(DOCKER_MISSING_HELP, { cause: error })
    throw new ActionError(`docker ${args[0]} could not run: ${messageOf(error)}`, { cause: error })
  }
}

/** One `docker login` attempt. Throws TransientError when a retry may succeed. */
export async function dockerLogin(host: string, username: string, password: string, env: Env): Promise<void> {
  const { exitCode, stdout, stderr } = await runDocker(
    ['login', '--username', username, '--password-stdin', host],
    env,
    password
  )
  core.debug(`docker login ${host}: exit ${exitCode}; ${dockerMessage(stdout)} ${dockerMessage(stderr)}`.trim())
  if (exitCode === 0) return
  const { message, transient } = classifyLoginFailure(stdout, stderr, exitCode)
  if (transient) throw new TransientError(`docker login to ${host}: ${message}`)
  throw new ActionError(
    `docker login to ${host} was rejected: ${message}. The registry refused the credentials ECR issued: ` +
      `check that ${host} is the registry you mean and that its account lets this principal in.`
  )
}

/** `docker logout`; returns docker's message when it fails, for a warning. */
export async function dockerLogout(host: string, env: Env): Promise<string | undefined> {
  const { exitCode, stdout, stderr } = await runDocker(['logout', host], env)
  core.debug(`docker logout ${host}: exit ${exitCode}; ${dockerMessage(stdout)} ${dockerMessage(stderr)}`.trim())
  if (exitCode === 0) return undefined
  return dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
}
