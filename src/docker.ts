// `docker login` and `docker logout`. The password goes to stdin only: never argv, never a log line.

import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ActionError, messageOf } from './errors.js'
import { ThrottlingError, TransientError } from './retry.js'

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
  /\b50[0234]\b|\b429\b|too many requests|internal server error|bad gateway|service unavailable|gateway time-?out|connection refused|connection reset|i\/o timeout|tls handshake timeout|timeout exceeded|temporary failure in name resolution|unexpected EOF|: EOF\b/i

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
): { message: string; kind: 'refused' | 'transient' | 'failed' } {
  const final = dockerMessage(stderr) || dockerMessage(stdout) || `exit code ${exitCode}`
  const refusal = [...endpointErrors(stderr), final].find(message => REFUSED_OUTPUT.test(message))
  if (refusal) return { message: refusal, kind: 'refused' }
  return { message: final, kind: TRANSIENT_OUTPUT.test(final) ? 'transient' : 'failed' }
}

// What docker adds to every successful login with a plain config.json: noise, not news.
const STORAGE_NOTICE =
  /^WARNING! Your (password will be|credentials are) stored unencrypted|^Configure a credential helper to remove this warning|^https:\/\/docs\.docker\.com\/\S*credential-store/

/** Docker's own words, without its unencrypted-storage notice and its per-endpoint info lines. */
export function dockerMessage(output: string): string {
  return output
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !STORAGE_NOTICE.test(line) && !/^time="[^"]*" level=(info|debug)/.test(line))
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
  const { message, kind } = classifyLoginFailure(stdout, stderr, exitCode)
  if (kind === 'transient') {
    // A registry's 429 is throttling, even when docker's last word is about another endpoint it tried.
    const throttled = [message, ...endpointErrors(stderr)].find(text => /\b429\b|too ?many ?requests/i.test(text))
    if (throttled) throw new ThrottlingError(`docker login to ${host}: ${throttled}`)
    throw new TransientError(`docker login to ${host}: ${message}`)
  }
  if (kind === 'failed') throw new ActionError(`docker login to ${host} failed: ${message}`)
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

/**
 * Kills the docker processes still running when the step gives up (its deadline passed), so that
 * a late `docker login` cannot write credentials after the post step has logged out. Linux lists
 * a process's children in /proc; elsewhere the runner reaps them at the end of the job.
 */
export function killDockerChildren(): void {
  try {
    for (const task of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8')
      for (const pid of children.split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL')
    }
  } catch {
    // Not Linux, or the children are gone already.
  }
}
