// Pure parsing of the `registries` input: which ECR registries to log in to, and how to group
// them into GetAuthorizationToken calls. No I/O here, so every rule has a table test.

import { partition as sdkPartition } from '@aws-sdk/core/client'
import { InputError } from './errors.js'
import { logText } from './log-text.js'

export const ECR_PUBLIC_HOST = 'public.ecr.aws'
// ECR Public's dual-stack registry host (IPv4 and IPv6); docker logs in to the host the user wrote.
export const ECR_PUBLIC_DUALSTACK_HOST = 'ecr-public.aws.com'
// ECR Public hands out tokens from us-east-1 only.
const ECR_PUBLIC_REGION = 'us-east-1'

/** What the AWS SDK's partitions data says about a region's partition. */
export interface Partition {
  name: string
  dnsSuffix: string
  /** ECR's dual-stack registry domain, where the partition has one. */
  dualStackSuffix?: string
  supportsFIPS: boolean
}

/** One registry to log in to. `host` is what `docker login` gets; for the caller's default
 * registry it is unknown until ECR answers. */
export type Registry =
  | {
      kind: 'private'
      region: string
      partition: string
      fips: boolean
      dualStack: boolean
      accountId?: string
      host?: string
    }
  | {
      kind: 'public'
      region: typeof ECR_PUBLIC_REGION
      partition: 'aws'
      host: typeof ECR_PUBLIC_HOST | typeof ECR_PUBLIC_DUALSTACK_HOST
    }

/** Registries that one GetAuthorizationToken call serves. */
export interface RegistryGroup {
  key: string
  kind: 'private' | 'public'
  region: string
  fips: boolean
  dualStack: boolean
  registries: Registry[]
}

// Every region code is lower-case labels and a number: eu-west-1, us-gov-east-1, eusc-de-east-1.
const REGION_CODE = /^[a-z]+(-[a-z]+)+-\d+$/
// The SDK's partition() places a string it cannot match in its default partition, aws, whose
// regions all have a two-letter area (us-, eu-, ap-, mx-, …): `mars-east-1` is no region. The
// SDK does not export its regionRegex, so this is the one rule stated here.
const DEFAULT_PARTITION = 'aws'
const DEFAULT_PARTITION_REGION = /^[a-z]{2}-[a-z]+-\d+$/

/** The partition of a region, from the partitions data the AWS SDK ships; undefined if it is no region. */
export function partitionOf(region: string): Partition | undefined {
  if (!REGION_CODE.test(region)) return undefined
  const found = sdkPartition(region)
  if (found.name === DEFAULT_PARTITION && !DEFAULT_PARTITION_REGION.test(region)) return undefined
  return {
    name: found.name,
    dnsSuffix: found.dnsSuffix,
    // ECR's dual-stack registries live at `on.` where the partition's dual-stack APIs live at `api.`:
    // api.aws -> on.aws, api.amazonwebservices.com.cn -> on.amazonwebservices.com.cn.
    dualStackSuffix:
      found.supportsDualStack && found.dualStackDnsSuffix.startsWith('api.')
        ? `on.${found.dualStackDnsSuffix.slice('api.'.length)}`
        : undefined,
    supportsFIPS: found.supportsFIPS
  }
}

export function isValidRegion(region: string): boolean {
  return partitionOf(region) !== undefined
}

// <account>.dkr.ecr[-fips].<region>.<dnsSuffix> or, dual-stack, <account>.dkr-ecr[-fips].<region>.<on.…>
const PRIVATE_HOST = /^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-z0-9-]+)\.([a-z0-9.-]+)$/
const ACCOUNT_ID = /^\d{12}$/
// YAML reads an unquoted 012345678901 as the number 12345678901.
const ACCOUNT_ID_WITHOUT_LEADING_ZERO = /^[1-9]\d{10}$/

const ACCEPTED_FORMS =
  'a 12-digit AWS account ID (e.g. 123456789012), an ECR registry host ' +
  '(e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com), or public.ecr.aws'

/** Splits the `registries` input on commas and newlines, dropping blanks and duplicates. */
export function splitRegistryList(value: string): string[] {
  const entries = value
    .split(/[,\n]/)
    .map(entry => entry.trim())
    .filter(entry => entry !== '')
  return [...new Set(entries)]
}

/** Strips an optional scheme and repository path: `https://host/repo` → `host`. */
function hostOf(entry: string): string {
  return entry
    .replace(/^https?:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
}

/** The registry host of an account in a region (one readInputs has checked). */
export function privateHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.${sdkPartition(region).dnsSuffix}`
}

/** The private registry a bare, lower-case host names, if its region and domain agree with the SDK's partitions. */
function parsePrivateHost(host: string): Registry | undefined {
  const match = PRIVATE_HOST.exec(host)
  if (!match) return undefined
  const [, accountId, separator, fipsLabel, region, suffix] = match
  const partition = partitionOf(region)
  if (!partition) return undefined
  const fips = fipsLabel !== undefined
  const dualStack = separator === '-'
  const expectedSuffix = dualStack ? partition.dualStackSuffix : partition.dnsSuffix
  if (suffix !== expectedSuffix || (fips && !partition.supportsFIPS)) return undefined
  return { kind: 'private', region, partition: partition.name, fips, dualStack, accountId, host }
}

/**
 * The registry a host names, with an optional scheme and path (`https://host/repo`): ECR Public, or
 * a private registry whose region and domain agree with the SDK's partitions; else undefined.
 * The rule for a host written in `registries` and for one in ECR's answer.
 */
export function registryOfHost(entry: string): Registry | undefined {
  const host = hostOf(entry)
  if (host === ECR_PUBLIC_HOST || host === ECR_PUBLIC_DUALSTACK_HOST) {
    return { kind: 'public', region: ECR_PUBLIC_REGION, partition: 'aws', host }
  }
  return parsePrivateHost(host)
}

/**
 * Parses one entry of the `registries` input.
 * @param defaultRegion the `aws-region` (or AWS_REGION) value, needed for account IDs only
 */
export function parseRegistry(entry: string, defaultRegion: string | undefined): Registry {
  if (ACCOUNT_ID.test(entry)) {
    if (!defaultRegion) {
      throw new InputError(
        `registries: '${entry}' is an account ID, so its region must come from the 'aws-region' input ` +
          `(or the AWS_REGION environment variable). Set 'aws-region', or write the full host, ` +
          `e.g. ${entry}.dkr.ecr.eu-west-1.amazonaws.com.`
      )
    }
    return {
      kind: 'private',
      region: defaultRegion,
      partition: sdkPartition(defaultRegion).name,
      fips: false,
      dualStack: false,
      accountId: entry,
      host: privateHost(entry, defaultRegion)
    }
  }
  if (ACCOUNT_ID_WITHOUT_LEADING_ZERO.test(entry)) {
    throw new InputError(
      `registries: '${entry}' has 11 digits: YAML read an unquoted account ID with a leading zero as a ` +
        `number and dropped the zero. Quote the account ID: registries: '0${entry}'.`
    )
  }

  const registry = registryOfHost(entry)
  if (registry) return registry

  throw new InputError(`registries: '${logText(entry)}' is not an ECR registry. Each entry must be ${ACCEPTED_FORMS}.`)
}

export interface RegistrySelection {
  entries: string[]
  registryType: 'private' | 'public'
  region: string | undefined
}

/**
 * Resolves the whole selection. With no entries: the caller's default private registry in
 * `region`, or ECR Public when `registry-type` is `public`.
 */
export function selectRegistries({ entries, registryType, region }: RegistrySelection): Registry[] {
  if (registryType === 'public') {
    return [parseRegistry(ECR_PUBLIC_HOST, region)]
  }
  if (entries.length > 0) {
    const registries = entries.map(entry => parseRegistry(entry, region))
    // `123456789012` and its full host are the same registry: log in once.
    const seen = new Set<string | undefined>()
    return registries.filter(registry => {
      if (seen.has(registry.host)) return false
      seen.add(registry.host)
      return true
    })
  }
  if (!region) {
    throw new InputError(
      "aws-region: no region given. Set the 'aws-region' input (or the AWS_REGION environment variable) " +
        "to log in to your default registry, or list full registry hosts in 'registries'."
    )
  }
  return [{ kind: 'private', region, partition: sdkPartition(region).name, fips: false, dualStack: false }]
}

/** Groups registries by the API call that serves them: (partition, region, private/public, endpoint variant). */
export function groupRegistries(registries: readonly Registry[]): RegistryGroup[] {
  const groups = new Map<string, RegistryGroup>()
  for (const registry of registries) {
    const fips = registry.kind === 'private' && registry.fips
    const dualStack = registry.kind === 'private' ? registry.dualStack : registry.host === ECR_PUBLIC_DUALSTACK_HOST
    const key = [registry.partition, registry.region, registry.kind, fips ? 'fips' : '', dualStack ? 'dualstack' : '']
      .filter(Boolean)
      .join('/')
    let group = groups.get(key)
    if (!group) {
      group = { key, kind: registry.kind, region: registry.region, fips, dualStack, registries: [] }
      groups.set(key, group)
    }
    group.registries.push(registry)
  }
  return [...groups.values()]
}
