// The connections the step will need, opened the moment the inputs are read: their TCP and TLS
// handshakes (two round trips each) then overlap the loading of the AWS SDK and the calls that
// come before them. The shared agent hands each one to the first request for its host; whatever
// is still unused when the step ends or gives up is closed.

import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import type * as https from 'node:https'
import { isIP } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import type { Inputs } from './inputs.js'
import { groupRegistries, partitionOf, privateHost } from './registries.js'

const HTTPS_PORT = 443
// Looking up a name takes a few ms; the SDK's loading waits for the lookups no longer than this.
const UNDERWAY_MAX_MS = 200

/** Where a connection goes: a host name and a port, as a request names them. */
export interface Endpoint {
  host: string
  port: number
}

// What may point the SDK's calls elsewhere than the region's default endpoint.
const ENDPOINT_VARIABLES = /^AWS_(ENDPOINT_URL\w*|USE_FIPS_ENDPOINT|USE_DUALSTACK_ENDPOINT)$/
const ENDPOINT_SETTINGS = /^\s*(endpoint_url|use_fips_endpoint|use_dualstack_endpoint)\s*=/im

/**
 * Whether something other than the region may decide where the SDK sends its calls: a custom
 * endpoint or an endpoint variant in the environment, or in the shared config file (for any
 * profile or service). Then the step opens no API connection ahead: a guess could go unused.
 */
function endpointsMayBeConfigured(env: NodeJS.ProcessEnv): boolean {
  if (Object.keys(env).some(name => ENDPOINT_VARIABLES.test(name) && env[name] !== '')) return true
  try {
    return ENDPOINT_SETTINGS.test(readFileSync(env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'), 'utf8'))
  } catch {
    // No config file (as on GitHub's runners), or one the SDK cannot read either.
    return false
  }
}

/** GitHub's token service, when the step will ask it for a token over HTTPS. */
function tokenService(inputs: Inputs, env: NodeJS.ProcessEnv): Endpoint[] {
  if (!inputs.webIdentity || !env.ACTIONS_ID_TOKEN_REQUEST_URL) return []
  try {
    const url = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL)
    return url.protocol === 'https:' ? [{ host: url.hostname, port: Number(url.port) || HTTPS_PORT }] : []
  } catch {
    // The token request reports it.
    return []
  }
}

/**
 * The API hosts the step's calls will go to, as the SDK's endpoint rules name them for a region
 * and no variant: STS for role-to-assume, then ECR (or ECR Public) per registry group. Groups on
 * a FIPS or dual-stack endpoint get none.
 */
function apiHosts(inputs: Inputs): string[] {
  const hosts: string[] = []
  const stsRegion = inputs.region ?? inputs.registries[0]?.region
  const stsPartition = stsRegion ? partitionOf(stsRegion) : undefined
  if (inputs.webIdentity && stsPartition) hosts.push(`sts.${stsRegion}.${stsPartition.dnsSuffix}`)
  for (const group of groupRegistries(inputs.registries)) {
    const partition = partitionOf(group.region)
    if (group.fips || group.dualStack || !partition) continue
    const service = group.kind === 'public' ? 'ecr-public' : 'ecr'
    hosts.push(`api.${service}.${group.region}.${partition.dnsSuffix}`)
  }
  return hosts
}

/**
 * The registries whose login the step checks itself (registry-check.ts), where their hosts are
 * known before ECR answers: those written in `registries`, and with role-to-assume the role's
 * account's default registry, which is whom ECR answers for (unless `guessDefault` is false: an
 * endpoint that is not ECR's may name another).
 */
function registryHosts(inputs: Inputs, guessDefault: boolean): string[] {
  const roleAccount =
    guessDefault && inputs.webIdentity && /^arn:[\w-]+:iam::(\d{12}):/.exec(inputs.webIdentity.roleArn)?.[1]
  return inputs.registries.flatMap(registry => {
    if (registry.host) return [registry.host]
    const plain = registry.kind === 'private' && !registry.fips && !registry.dualStack
    return plain && roleAccount ? [privateHost(roleAccount, registry.region)] : []
  })
}

/**
 * What the step will connect to over HTTPS, in the order it needs them: GitHub's token service,
 * STS, ECR, then the registries when the step checks their logins itself (`checkedRegistries`).
 * None through a proxy; no API host where an endpoint may be configured.
 */
export function preconnectTargets(inputs: Inputs, env: NodeJS.ProcessEnv, checkedRegistries: boolean): Endpoint[] {
  if (inputs.proxy.url) return []
  const configured = endpointsMayBeConfigured(env)
  const api = configured ? [] : apiHosts(inputs)
  const registries = checkedRegistries ? registryHosts(inputs, !configured) : []
  const targets = [...tokenService(inputs, env), ...[...api, ...registries].map(host => ({ host, port: HTTPS_PORT }))]
  const keys = targets.map(endpointKey)
  return targets.filter((target, index) => keys.indexOf(endpointKey(target)) === index)
}

function endpointKey({ host, port }: Endpoint): string {
  return `${host}:${port}`
}

export interface Preconnection {
  /**
   * Settles once every connection has its address and is connecting (or has failed), or after
   * UNDERWAY_MAX_MS: a name that takes longer to look up holds nothing else back.
   */
  underway: Promise<void>
  /** Closes every connection no request has taken yet. */
  close(): void
}

function ignoreError(): void {
  // A connection that failed before a request took it is not handed out: the request opens its
  // own, whose error is reported and retried as any other.
}

/** Settles at the socket's first sign of life: its address looked up, connected, failed or closed. */
function started(socket: Duplex): Promise<void> {
  return new Promise(resolve => {
    for (const event of ['lookup', 'connect', 'error', 'close']) socket.once(event, () => resolve())
  })
}

/**
 * Opens a TLS connection to each target through the agent's own createConnection, and has the agent
 * hand it to the first request for that host and port instead of opening another. Closes them on `signal`.
 */
export function preconnect(agent: https.Agent, targets: readonly Endpoint[], signal: AbortSignal): Preconnection {
  const open = new Map<string, Duplex>()
  const close = (): void => {
    for (const socket of open.values()) socket.destroy()
    open.clear()
  }
  if (targets.length === 0 || signal.aborted) return { underway: Promise.resolve(), close }

  core.debug(`Connecting ahead to ${targets.map(endpointKey).join(', ')}`)
  const createConnection = agent.createConnection.bind(agent)
  for (const { host, port } of targets) {
    // As the agent opens one for a request: its own options (keep-alive, CA), SNI for a host name.
    const socket = createConnection({ ...agent.options, host, port, servername: isIP(host) ? '' : host })
    if (!socket) continue
    socket.on('error', ignoreError)
    open.set(endpointKey({ host, port }), socket)
  }
  const underway = Promise.race([
    Promise.all([...open.values()].map(started)).then(() => undefined),
    new Promise<void>(resolve => setTimeout(resolve, UNDERWAY_MAX_MS).unref())
  ])
  agent.createConnection = (options, callback) => {
    const key = endpointKey({ host: options.host ?? '', port: Number(options.port) || HTTPS_PORT })
    const socket = open.get(key)
    open.delete(key)
    if (!socket || socket.destroyed) return createConnection(options, callback)
    socket.off('error', ignoreError)
    return socket
  }
  signal.addEventListener('abort', close, { once: true })
  return { underway, close }
}
