// Where docker keeps its config, and `docker-config: job`: a directory only this job uses, so that
// jobs sharing one user (several runners on one host) never log each other out, and the user's
// own config.json is never written.

import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { homeDirectory, pathFor, type Platform } from './platform.js'

const PREFIX = 'ecr-login-'

// What docker keeps beside config.json that later steps need: builders made by
// docker/setup-buildx-action, `docker context` endpoints, CLI plugins (buildx, compose).
const SHARED_ENTRIES = ['buildx', 'contexts', 'cli-plugins'] as const

/** The docker config directory docker itself would use: DOCKER_CONFIG, else .docker in its home. */
export function userDockerConfigDir(env: NodeJS.ProcessEnv, platform: Platform = process.platform): string {
  return env.DOCKER_CONFIG || pathFor(platform).join(homeDirectory(env, platform), '.docker')
}

/** The docker config file docker uses with this environment. */
export function dockerConfigFile(env: NodeJS.ProcessEnv, platform: Platform = process.platform): string {
  return pathFor(platform).join(userDockerConfigDir(env, platform), 'config.json')
}

/**
 * Creates the job's private directory (mode 0700) under RUNNER_TEMP, which the runner empties
 * after each job, so even a runner that dies before the post step leaves no token for long.
 */
export function createJobDirectory(env: NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), PREFIX))
  chmodSync(dir, 0o700)
  return dir
}

/**
 * Starts a docker config in `dir` from the user's: a copy of config.json (other registries,
 * credsStore, credHelpers, proxies and the rest kept) and links to the shared entries.
 */
export function seedDockerConfig(dir: string, userDir: string): void {
  const config = join(dir, 'config.json')
  const userConfig = join(userDir, 'config.json')
  // podman and buildah fail when DOCKER_CONFIG has no config.json: there is always one.
  if (existsSync(userConfig)) copyFileSync(userConfig, config)
  else writeFileSync(config, '{}\n')
  chmodSync(config, 0o600)
  for (const entry of SHARED_ENTRIES) {
    const target = join(userDir, entry)
    if (existsSync(target)) symlinkSync(target, join(dir, entry), 'junction')
  }
}

/** Removes a directory made by createJobDirectory; links are removed, never followed. */
export function removeJobDirectory(dir: string): void {
  if (!basename(dir).startsWith(PREFIX)) throw new Error(`${dir} is not a directory this action made`)
  rmSync(dir, { recursive: true, force: true })
}
