// docker's config.json: which credential store it keeps a login in, and recording one there as
// `docker login` does. When config.json names no store (credsStore, credHelpers) and holds no login
// (auths), the docker CLI would keep a login in the OS's store if that store's helper is on PATH
// (docker/cli config.go: `if !configFile.ContainsAuth() { … DetectDefaultStore … }`): wincred on
// Windows, which holds at most 2,560 bytes and no ECR Public password; the keychain on macOS, which
// a self-hosted runner may find locked; pass or secretservice on Linux; each shared by every job of
// the user. This action keeps its logins in the file then; once `auths` holds one, docker does too.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { dirname } from 'node:path'

type DockerConfig = Record<string, unknown>

/**
 * config.json as docker reads it: none or an empty file is {}; undefined when docker could not
 * read it either (not an object, or `auths` or `credHelpers` that are not objects).
 */
export function readDockerConfig(file: string): DockerConfig | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  if (text.trim() === '') return {}
  try {
    const config: unknown = JSON.parse(text)
    if (!isObject(config)) return undefined
    const maps = ['auths', 'credHelpers'].map(name => field(config, name))
    return maps.every(map => map === undefined || map === null || isObject(map)) ? config : undefined
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is DockerConfig {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The name of a field of config.json as Go's encoding/json finds it: exact, else ignoring case. */
function fieldName(config: DockerConfig, name: string): string {
  if (name in config) return name
  return Object.keys(config).find(key => key.toLowerCase() === name.toLowerCase()) ?? name
}

function field(config: DockerConfig, name: string): unknown {
  return config[fieldName(config, name)]
}

function entries(value: unknown): number {
  return typeof value === 'object' && value !== null ? Object.keys(value).length : 0
}

/** The store the user named for `host`: its credHelpers entry, else credsStore. */
export function namedStore(config: DockerConfig, host: string): string | undefined {
  const helpers = field(config, 'credHelpers')
  const helper =
    typeof helpers === 'object' && helpers !== null ? (helpers as Record<string, unknown>)[host] : undefined
  const store = typeof helper === 'string' && helper ? helper : field(config, 'credsStore')
  return typeof store === 'string' && store ? store : undefined
}

/**
 * Whether config.json records a login to `host`: docker leaves an `auths` entry for every login,
 * its credentials in the file or in a store (older CLIs also under http:// and https://).
 */
export function holdsLogin(config: DockerConfig, host: string): boolean {
  const auths = field(config, 'auths')
  if (typeof auths !== 'object' || auths === null) return false
  return [host, `http://${host}`, `https://${host}`].some(key => key in auths)
}

/** Whether docker would pick a store by itself: no credsStore, no credHelpers, no auths. */
export function dockerPicksStore(config: DockerConfig): boolean {
  return !namedStore(config, '') && entries(field(config, 'credHelpers')) === 0 && entries(field(config, 'auths')) === 0
}

/**
 * Records a login to `host` in config.json as `docker login` does: its credentials (`auth`, base64
 * of user:password) in `auths`, or an empty entry there when a store holds them. Written as docker
 * writes it: the file a link points to, replaced whole, its mode kept. `config` is the file as the
 * caller read it (readDockerConfig), as docker loads it once and saves it after the login.
 */
export function recordLogin(file: string, config: DockerConfig, host: string, auth: string | undefined): void {
  const auths = fieldName(config, 'auths')
  const entry = auth === undefined ? {} : { auth }
  const updated = { ...config, [auths]: { ...(config[auths] as object | null | undefined), [host]: entry } }
  const target = existsSync(file) ? realpathSync(file) : file
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : 0o600
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
  const temp = `${target}.ecr-login-${process.pid}`
  try {
    writeFileSync(temp, `${JSON.stringify(updated, null, '\t')}\n`, { mode: 0o600 })
    chmodSync(temp, mode)
    renameSync(temp, target)
  } finally {
    rmSync(temp, { force: true })
  }
}
