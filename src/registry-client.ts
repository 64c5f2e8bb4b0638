// Which client the login is for and where the credentials go: docker's config (the user's, or a
// job-private copy with `docker-config: job`), or, on a runner with podman and no docker, podman's
// containers auth file, through `podman login`. main prepares the target; post reopens it from state.

import * as core from '@actions/core'
import { which } from '@actions/io'
import { join } from 'node:path'
import { createJobDirectory, removeJobDirectory, seedDockerConfig, userDockerConfigDir } from './docker-config.js'
import { dockerLogin, dockerLogout } from './docker.js'
import { ActionError, messageOf } from './errors.js'
import type { DockerConfigMode } from './inputs.js'
import { logText } from './log-text.js'
import { defaultAuthFile, podmanLogin, podmanLogout } from './podman.js'
import { type LoginTarget, noClientHelp } from './registry-cli.js'

/** Each call runs under `signal`: when it aborts, the client and what it started are killed. */
export interface RegistryClient {
  /** Whether `login` checks the credentials with the registry itself (podman login); for docker, the step does. */
  checksLogin: boolean
  /** Keeps the login; with docker, one the registry has accepted already. */
  login(host: string, username: string, password: string, signal: AbortSignal): Promise<void>
  /** Returns the client's message when the logout failed. */
  logout(host: string, signal: AbortSignal): Promise<string | undefined>
}

/**
 * Picks docker, else podman; with `job`, makes the job-private directory and exports it to the
 * job's later steps (DOCKER_CONFIG for docker, REGISTRY_AUTH_FILE for podman).
 */
export async function prepareLoginTarget(mode: DockerConfigMode, env: NodeJS.ProcessEnv): Promise<LoginTarget> {
  const client = (await which('docker', false)) ? 'docker' : (await which('podman', false)) ? 'podman' : undefined
  if (!client) throw new ActionError(noClientHelp())
  if (mode === 'default') {
    // Named, so that post logs out of this one even if a later step changes DOCKER_CONFIG.
    if (client === 'docker') return { client, dockerConfig: userDockerConfigDir(env) }
    const authFile = defaultAuthFile(env)
    core.info(`docker is not on PATH: logging in with podman into ${logText(authFile)}`)
    return { client, authFile }
  }
  const jobDir = createJobDirectory(env)
  if (client === 'docker') {
    seedDockerConfig(jobDir, userDockerConfigDir(env))
    core.exportVariable('DOCKER_CONFIG', jobDir)
    core.info(`Logging in to a docker config for this job only: DOCKER_CONFIG=${logText(jobDir)}`)
    return { client, dockerConfig: jobDir, jobDir }
  }
  const authFile = join(jobDir, 'auth.json')
  core.exportVariable('REGISTRY_AUTH_FILE', authFile)
  core.info(`docker is not on PATH: logging in with podman into an auth file for this job only: ${logText(authFile)}`)
  return { client, authFile, jobDir }
}

/** The client for a target; `env` is the environment its commands run with. */
export function registryClient(target: LoginTarget, env: NodeJS.ProcessEnv): RegistryClient {
  if (target.client === 'podman' && target.authFile) {
    const authFile = target.authFile
    return {
      checksLogin: true,
      login: (host, username, password, signal) => podmanLogin(host, username, password, authFile, env, signal),
      logout: (host, signal) => podmanLogout(host, authFile, env, signal)
    }
  }
  const dockerEnv = target.dockerConfig ? { ...env, DOCKER_CONFIG: target.dockerConfig } : env
  return {
    checksLogin: false,
    login: (host, username, password, signal) => dockerLogin(host, username, password, dockerEnv, signal),
    logout: (host, signal) => dockerLogout(host, dockerEnv, signal)
  }
}

/** Removes the job-private directory, if any; warns (never throws) when it cannot. */
export function releaseLoginTarget(target: LoginTarget): void {
  if (!target.jobDir) return
  try {
    removeJobDirectory(target.jobDir)
    core.info(`Removed the job's credentials directory ${logText(target.jobDir)}`)
  } catch (error) {
    core.warning(`Could not remove ${logText(target.jobDir)}: ${logText(messageOf(error))}`)
  }
}
