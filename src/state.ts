// What the main step hands to the post step. Every key is declared here, once; only our own main
// step writes them.

import * as core from '@actions/core'
import type { HelperEntries } from './credential-config.js'
import type { LoginTarget } from './registry-cli.js'

const REGISTRIES_TO_LOG_OUT = 'registries'
const LOGOUT_TIMEOUT = 'logout-timeout-seconds'

/** The post step's bound when main saved none. */
export const DEFAULT_LOGOUT_TIMEOUT_SECONDS = 120

/**
 * Records the hosts the post step must log out of. Saved again before each login starts, so a
 * main step that dies half-way is still cleaned up.
 */
export function saveRegistriesToLogOut(hosts: readonly string[]): void {
  core.saveState(REGISTRIES_TO_LOG_OUT, JSON.stringify(hosts))
}

/** The hosts to log out of; empty when main saved nothing (it failed early, or logout is off). */
export function registriesToLogOut(): string[] {
  try {
    // Nothing saved is '', which is no JSON either.
    const hosts: unknown = JSON.parse(core.getState(REGISTRIES_TO_LOG_OUT))
    return Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === 'string' && host !== '') : []
  } catch {
    return []
  }
}

/** The bound of the whole post step: the main step's timeout-seconds. */
export function saveLogoutTimeout(seconds: number): void {
  core.saveState(LOGOUT_TIMEOUT, String(seconds))
}

export function logoutTimeoutSeconds(): number {
  const seconds = Number(core.getState(LOGOUT_TIMEOUT))
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LOGOUT_TIMEOUT_SECONDS
}

// Which client logged in and where its credentials went: the docker config directory (the user's,
// resolved when main ran, or the job's) or podman's auth file. Saved by every main step; an older
// main saved it only for `docker-config: job` and podman, so without it post assumes docker into
// the user's config as the job's environment names it.
const LOGIN_TARGET = 'login-target'

export function saveLoginTarget(target: LoginTarget): void {
  core.saveState(LOGIN_TARGET, JSON.stringify(target))
}

export function savedLoginTarget(): LoginTarget {
  try {
    const value = JSON.parse(core.getState(LOGIN_TARGET)) as Partial<Record<keyof LoginTarget, unknown>>
    const text = (field: unknown): string | undefined => (typeof field === 'string' && field ? field : undefined)
    return {
      client: value.client === 'podman' ? 'podman' : 'docker',
      dockerConfig: text(value.dockerConfig),
      authFile: text(value.authFile),
      jobDir: text(value.jobDir)
    }
  } catch {
    return { client: 'docker' }
  }
}

/** credential-helper: true — the agent's folder, and the config entries to put back. */
export interface CredentialAgentState extends HelperEntries {
  dir: string
}

const CREDENTIAL_AGENT = 'credential-agent'

export function saveCredentialAgent(state: CredentialAgentState): void {
  core.saveState(CREDENTIAL_AGENT, JSON.stringify(state))
}

/** undefined when main started no agent. */
export function savedCredentialAgent(): CredentialAgentState | undefined {
  const saved = core.getState(CREDENTIAL_AGENT)
  if (!saved) return undefined
  try {
    const value = JSON.parse(saved) as Partial<CredentialAgentState>
    if (typeof value.dir !== 'string' || typeof value.file !== 'string') return undefined
    const previous = typeof value.previous === 'object' && value.previous !== null ? value.previous : {}
    return { dir: value.dir, file: value.file, previous }
  } catch {
    return undefined
  }
}
