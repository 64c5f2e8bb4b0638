// The credHelpers entries of credential-helper: true: the config the action logs in to (docker's
// config.json, or podman's containers auth file, which reads them the same way) names our helper
// for each ECR host, so that docker login stores the password through it and every client asks it.
// The post step puts back what each entry was.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { HELPER_NAME } from './credential-protocol.js'
import { ActionError } from './errors.js'
import { logText } from './log-text.js'

/** What the post step needs to undo the entries. Saved in state. */
export interface HelperEntries {
  /** The docker config.json or containers auth file. */
  file: string
  /** host → the helper the file named for it before ours (null: none). */
  previous: Record<string, string | null>
}

type Config = Record<string, unknown> & { credHelpers?: Record<string, unknown> }

function readConfig(file: string): Config {
  if (!existsSync(file)) return {}
  const text = readFileSync(file, 'utf8')
  if (text.trim() === '') return {}
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch {
    config = undefined
  }
  if (!isObject(config)) {
    throw new ActionError(`${logText(file)} is not a JSON object: fix or remove it, then run the job again.`)
  }
  return config
}

function writeConfig(file: string, config: Config): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  // Tabs, as docker writes it. A new file is the user's only.
  writeFileSync(file, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0
}

function helpersOf(config: Config): Record<string, unknown> {
  return isObject(config.credHelpers) ? { ...config.credHelpers } : {}
}

/** Names our helper for `host` in the file, remembering what was there. */
export function addHelperEntry(entries: HelperEntries, host: string): void {
  const config = readConfig(entries.file)
  const helpers = helpersOf(config)
  if (!(host in entries.previous)) {
    const before = helpers[host]
    entries.previous[host] = typeof before === 'string' && before !== HELPER_NAME ? before : null
  }
  helpers[host] = HELPER_NAME
  writeConfig(entries.file, { ...config, credHelpers: helpers })
}

/**
 * Puts back each entry that still names our helper (the others were changed since, and stay), and
 * drops the empty `auths` entry docker login left for the host: the post step logs out this way,
 * as no password is in the file. Returns the hosts it put back; writes nothing when there are none.
 */
export function removeHelperEntries(entries: HelperEntries): string[] {
  if (!existsSync(entries.file)) return []
  const config = readConfig(entries.file)
  const helpers = helpersOf(config)
  const auths = config.auths
  const hosts = Object.keys(entries.previous).filter(host => helpers[host] === HELPER_NAME)
  for (const host of hosts) {
    const previous = entries.previous[host]
    if (previous) helpers[host] = previous
    else delete helpers[host]
    if (isObject(auths) && isEmptyObject(auths[host])) delete auths[host]
  }
  if (hosts.length === 0) return []
  if (Object.keys(helpers).length > 0) config.credHelpers = helpers
  else delete config.credHelpers
  writeConfig(entries.file, config)
  return hosts
}
