// Which CLI logs in and where the credentials go: docker into a docker config (the user's, or a
// job-private copy with `docker-config: job`), or, on a runner with podman and no docker, podman
// into a containers auth file. main prepares the target; post reopens it from state.

import * as core from '@actions/core'
import { which } from '@actions/io'
import { join } from 'node:path'
import { dockerLogin, dockerLogout } from './docker.js'
import { ActionError, messageOf } from './errors.js'
import type { DockerConfigMode } from './inputs.js'
import { createJobDirectory, removeJobDirectory, seedDockerConfig, userDockerConfigDir } from './job-config.js'
import { defaultAuthFile, podmanLogin, podmanLogout } from './podman.js'

type Env = Record<string, string | undefined>

export const NO_CLIENT_HELP =
  'docker is not on PATH, and neither is podman. This action runs `docker login` (or `podman login` on a ' +
  'runner with podman and no docker): GitHub-hosted Ubuntu runners have docker; on a self-hosted runner or ' +
  'in a container job, install the Docker CLI (e.g. docker-ce-cli) or podman, or add it to PATH.'

/** Where the credentials go. Saved for the post step. */
export interface LoginTarget {
  client: 'docker' | 'podman'
  /** docker: the config directory to use; unset means the user's (DOCKER_CONFIG or ~/.docker). */
  dockerConfig?: string
  /** podman: the auth file, always passed with --authfile. */
  authFile?: string
  /** The job-private directory (`docker-config: job`), removed by the post step. */
  jobDir?: string
}

export interface RegistryClient {
  login(host: string, username: string, password: string): Promise<void>
  /** Returns the client's message when the logout failed. */
  logout(host: string): Promise<string | undefined>
}

/**
 * Picks docker, else podman; with `job`, makes the job-private directory and exports it to the
 * job's later steps (DOCKER_CONFIG for docker, REGISTRY_AUTH_FILE for podman).
 */
export async function prepareLoginTarget(mode: DockerConfigMode, env: Env): Promise<LoginTarget> {
  const client = (await which('docker', false)) ? 'docker' : (await which('podman', false)) ? 'podman' : undefined
  if (!client) throw new ActionError(NO_CLIENT_HELP)
  if (mode === 'default') {
    if (client === 'docker') return { client }
    const authFile = defaultAuthFile(env)
    core.info(`docker is not on PATH: logging in with podman into ${authFile}`)
    return { client, authFile }
  }
  const jobDir = createJobDirectory(env)
  if (client === 'docker') {
    seedDockerConfig(jobDir, userDockerConfigDir(env))
    core.exportVariable('DOCKER_CONFIG', jobDir)
    core.info(`Logging in to a docker config for this job only: DOCKER_CONFIG=${jobDir}`)
    return { client, dockerConfig: jobDir, jobDir }
  }
  const authFile = join(jobDir, 'auth.json')
  core.exportVariable('REGISTRY_AUTH_FILE', authFile)
  core.info(`docker is not on PATH: logging in with podman into an auth file for this job only: ${authFile}`)
  return { client, authFile, jobDir }
}

/** The client for a target; `env` is the environment its commands run with. */
export function registryClient(target: LoginTarget, env: Env): RegistryClient {
  if (target.client === 'podman' && target.authFile) {
    const authFile = target.authFile
    return {
      login: (host, username, password) => podmanLogin(host, username, password, authFile, env),
      logout: host => podmanLogout(host, authFile, env)
    }
  }
  const dockerEnv = target.dockerConfig ? { ...env, DOCKER_CONFIG: target.dockerConfig } : env
  return {
    login: (host, username, password) => dockerLogin(host, username, password, dockerEnv),
    logout: host => dockerLogout(host, dockerEnv)
  }
}

/** Removes the job-private directory, if any; warns (never throws) when it cannot. */
export function releaseLoginTarget(target: LoginTarget): void {
  if (!target.jobDir) return
  try {
    removeJobDirectory(target.jobDir)
    core.info(`Removed the job's credentials directory ${target.jobDir}`)
  } catch (error) {
    core.warning(`Could not remove ${target.jobDir}: ${messageOf(error)}`)
  }
}
