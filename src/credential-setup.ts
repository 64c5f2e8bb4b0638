// credential-helper: true, as the main step sees it: it makes the agent's folder (0700, under
// RUNNER_TEMP) holding docker's helper script and the agent's endpoint, puts it on PATH, starts the
// agent detached and hands it the renewal plan and each login on its stdin pipe, and names the
// helper for each host in the config before docker login. The post step's part is
// credential-stop.ts.

import * as core from '@actions/core'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { AgentStart, HandoverLine, RenewalPlan } from './credential-handover.js'
import { addHelperEntry, removeHelperEntries } from './credential-config.js'
import {
  type AgentEndpoint,
  agentAddress,
  AgentUnreachable,
  askAgent,
  ENDPOINT_FILE,
  HELPER_PROGRAM
} from './credential-protocol.js'
import type { AwsCredentials } from './aws-sdk.js'
import { ActionError } from './errors.js'
import { logText } from './log-text.js'
import type { Inputs } from './inputs.js'
import { dockerConfigFile } from './docker-config.js'
import type { LoginTarget } from './registry-cli.js'
import { type CredentialAgentState, saveCredentialAgent } from './state.js'
import { groupRegistries } from './registries.js'

/** The job's OIDC request (github-oidc.ts reads it from the runner's variables). */
type OidcRequest = NonNullable<RenewalPlan['webIdentity']>['request']

/** How main starts the agent: the runner's own node, the bundles beside main's, the watched process. */
export interface AgentLaunch {
  node: string
  /** dist/, holding agent/index.js and credential-helper/index.js. */
  distDir: string
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** The runner process the agent watches: main's parent. */
  watchPid?: number
  save(state: CredentialAgentState): void
}

export interface CredentialAgent {
  /** Hands a login to the agent and names the helper for its host: before its docker login. */
  handOver(login: { host: string; username: string; password: string; expiresAt?: Date }): Promise<void>
  /** The handover is over: the agent reads no more. */
  close(): void
}

// A job runs for at most 5 days on a self-hosted runner (6 h on GitHub's): the agent never outlives it.
const MAX_LIFETIME_MS = 5 * 24 * 3600_000
const READY_TIMEOUT_MS = 10_000

// The variables the agent starts with: where files and certificates are, and the job's tracking ID,
// by which the runner's "Cleaning up orphan processes" finds it at the job's end; nothing secret.
// What a renewal needs of the rest (AWS_*, the proxy, the OIDC request) comes on the pipe.
const AGENT_VARIABLES = [
  'RUNNER_TRACKING_ID',
  'PATH',
  'Path',
  'HOME',
  'USERPROFILE',
  'SystemRoot',
  'SYSTEMROOT',
  'windir',
  'TEMP',
  'TMP',
  'TMPDIR',
  'LANG',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE'
]

export function agentEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(AGENT_VARIABLES.flatMap(name => (env[name] ? [[name, env[name]]] : [])))
}

/**
 * What the agent needs to renew the tokens as main got them: the job's OIDC request and the role,
 * or the credentials main found and the AWS_* variables for the SDK's chain.
 */
export function renewalPlan(
  inputs: Inputs,
  credentials: AwsCredentials,
  env: NodeJS.ProcessEnv,
  oidcRequest?: OidcRequest
): RenewalPlan {
  const { webIdentity } = inputs
  return {
    groups: groupRegistries(inputs.registries),
    stsRegion: inputs.region ?? inputs.registries[0].region,
    webIdentity: webIdentity && oidcRequest && { settings: webIdentity, request: oidcRequest },
    credentials: webIdentity
      ? undefined
      : {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiration: credentials.expiration?.toISOString()
        },
    awsEnv: webIdentity
      ? {}
      : Object.fromEntries(
          Object.entries(env).flatMap(([name, value]) => (name.startsWith('AWS_') && value ? [[name, value]] : []))
        ),
    proxy: inputs.proxy,
    retryMaxAttempts: inputs.retryMaxAttempts,
    timeoutSeconds: inputs.timeoutSeconds
  }
}

/**
 * Without credential-helper: an entry naming our helper for `host` was left by a job that ended
 * before its post step (its helper is gone, and docker login would fail on it): it goes, with a
 * warning. A config docker cannot read either is docker's to report.
 */
export function dropStaleHelperEntry(target: LoginTarget, host: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = helperConfigFile(target, env)
  let removed: string[] = []
  try {
    removed = removeHelperEntries({ file, previous: { [host]: null } })
  } catch {
    return
  }
  if (removed.length > 0) {
    core.warning(
      `Removed the credHelpers entry for ${host} from ${logText(file)}: a job with credential-helper: true left it when it ` +
        `ended before its post step, and its helper is gone.`
    )
  }
}

/** The runner's: its node, this bundle's dist/, main's parent, the step's state. */
function runnerLaunch(): AgentLaunch {
  return {
    node: process.execPath,
    // The runner runs `node <action>/dist/main/index.js`.
    distDir: join(dirname(process.argv[1]), '..'),
    env: process.env,
    platform: process.platform,
    // In a container job main's parent is outside the container (ppid 0): nothing to watch there.
    watchPid: process.ppid > 1 ? process.ppid : undefined,
    save: saveCredentialAgent
  }
}

/** The config the login goes to: podman's auth file, or docker's config.json. */
export function helperConfigFile(target: LoginTarget, env: NodeJS.ProcessEnv): string {
  if (target.client === 'podman' && target.authFile) return target.authFile
  return dockerConfigFile({ ...env, DOCKER_CONFIG: target.dockerConfig ?? env.DOCKER_CONFIG })
}

/** The helper program docker runs: a script that runs the helper bundle with the runner's node. */
export function helperScript(
  platform: NodeJS.Platform,
  node: string,
  bundle: string,
  dir: string
): { name: string; text: string } {
  if (platform === 'win32') {
    // cmd expands %…% even inside quotes.
    const quote = (value: string): string => `"${value.replace(/%/g, '%%')}"`
    return { name: `${HELPER_PROGRAM}.cmd`, text: `@${quote(node)} ${quote(bundle)} ${quote(dir)} %*\r\n` }
  }
  const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`
  return {
    name: HELPER_PROGRAM,
    text: `#!/bin/sh\n# docker's credential helper of ecr-login: asks this job's credential agent.\nexec ${quote(node)} ${quote(bundle)} ${quote(dir)} "$@"\n`
  }
}

/** The agent's folder and address: under RUNNER_TEMP, else (a socket path too long) the system's temp. */
function makeFolder(launch: AgentLaunch, random: string): { dir: string; address: string } {
  for (const parent of [launch.env.RUNNER_TEMP || tmpdir(), tmpdir()]) {
    const dir = mkdtempSync(join(parent, 'ecr-login-agent-'))
    chmodSync(dir, 0o700)
    const address = agentAddress(dir, launch.platform, random)
    if (address) return { dir, address }
    rmSync(dir, { recursive: true, force: true })
  }
  throw new ActionError(
    `credential-helper: the agent's socket path under ${logText(tmpdir())} is too long for a Unix socket: set TMPDIR to a shorter folder.`
  )
}

function exited(child: ChildProcess): Promise<string> {
  return new Promise(resolve => {
    child.once('error', error => resolve(`could not start (${error.message})`))
    child.once('exit', (code, signal) => resolve(`ended (${signal ?? `exit code ${code}`})`))
  })
}

/** Resolves once the agent answers on its socket; rejects when it ends first or stays silent. */
async function listening(endpoint: AgentEndpoint, child: ChildProcess): Promise<void> {
  let ended: string | undefined
  void exited(child).then(how => (ended = how))
  const until = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < until) {
    if (ended) throw new ActionError(`credential-helper: the credential agent ${logText(ended)} before it listened.`)
    try {
      if ((await askAgent(endpoint, { action: 'ping' }, { connectMs: 1000, answerMs: 2000 })).ok) return
    } catch (error) {
      if (!(error instanceof AgentUnreachable)) throw error
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new ActionError(
    `credential-helper: the credential agent did not listen within ${READY_TIMEOUT_MS / 1000} s: the runner may be overloaded; run the job again.`
  )
}

/**
 * Starts the agent and puts the helper on PATH. The agent is detached, its stdout and stderr
 * closed (the runner does not wait for it), its stdin the pipe of the handover.
 */
export function startCredentialAgent(
  target: LoginTarget,
  plan: RenewalPlan,
  launch: AgentLaunch = runnerLaunch()
): CredentialAgent {
  const configFile = helperConfigFile(target, launch.env)
  const { dir, address } = makeFolder(launch, randomBytes(12).toString('hex'))
  const endpoint: AgentEndpoint = { address, key: randomBytes(32).toString('base64url') }
  core.setSecret(endpoint.key)
  writeFileSync(join(dir, ENDPOINT_FILE), JSON.stringify(endpoint), { mode: 0o600 })
  const script = helperScript(launch.platform, launch.node, join(launch.distDir, 'credential-helper', 'index.js'), dir)
  writeFileSync(join(dir, script.name), script.text, { mode: 0o700 })
  const state: CredentialAgentState = { dir, file: configFile, previous: {} }
  launch.save(state)
  core.addPath(dir)

  const child = spawn(launch.node, [join(launch.distDir, 'agent', 'index.js')], {
    cwd: dir,
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: agentEnvironment(launch.env),
    windowsHide: true
  })
  child.unref()
  const pipe = child.stdin
  // An agent that died is told by `listening`; its pipe's EPIPE is not news.
  pipe.on('error', () => undefined)
  const start: AgentStart = {
    address,
    key: endpoint.key,
    dir,
    configFile,
    watchPid: launch.watchPid,
    maxLifetimeMs: MAX_LIFETIME_MS,
    renewal: plan
  }
  const send = (line: HandoverLine): void => void pipe.write(`${JSON.stringify(line)}\n`)
  send({ start })
  const ready = listening(endpoint, child)
  ready.catch(() => undefined)
  core.info(`Started the credential agent (process ${child.pid}); docker asks it through ${HELPER_PROGRAM}`)

  return {
    async handOver(login) {
      await ready
      addHelperEntry(state, login.host)
      launch.save(state)
      const previousHelper = state.previous[login.host] ?? null
      send({ login: { ...login, expiresAt: login.expiresAt?.toISOString(), previousHelper } })
    },
    close() {
      pipe.end()
      // Pending writes still complete: they keep the loop alive, the pipe itself does not.
      ;(pipe as { unref?: () => void }).unref?.()
    }
  }
}
