// Pure parsing of the `registries` input: which ECR registries to log in to, and how to group
// them into GetAuthorizationToken calls. No I/O here, so every rule has a table test.

import { InputError } from './errors.js'

export const ECR_PUBLIC_HOST = 'public.ecr.aws'
// ECR Public hands out tokens from us-east-1 only.
export const ECR_PUBLIC_REGION = 'us-east-1'

interface Partition {
  name: string
  regionPattern: RegExp
  dnsSuffix: string
  // ECR's dual-stack registry domain, where the partition has one.
  dualStackSuffix?: string
}

// From the AWS SDK's partitions table, most specific first: `us-gov-…` must not fall into `aws`.
const PARTITIONS: readonly Partition[] = [
  { name: 'aws-us-gov', regionPattern: /^us-gov-[a-z]+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackSuffix: 'on.aws' },
  { name: 'aws-iso', regionPattern: /^us-iso-[a-z]+-\d+$/, dnsSuffix: 'c2s.ic.gov' },
  { name: 'aws-iso-b', regionPattern: /^us-isob-[a-z]+-\d+$/, dnsSuffix: 'sc2s.sgov.gov' },
  { name: 'aws-iso-e', regionPattern: /^eu-isoe-[a-z]+-\d+$/, dnsSuffix: 'cloud.adc-e.uk' },
  { name: 'aws-iso-f', regionPattern: /^us-isof-[a-z]+-\d+$/, dnsSuffix: 'csp.hci.ic.gov' },
  { name: 'aws-eusc', regionPattern: /^eusc-de-[a-z]+-\d+$/, dnsSuffix: 'amazonaws.eu' },
  {
    name: 'aws-cn',
    regionPattern: /^cn-[a-z]+-\d+$/,
    dnsSuffix: 'amazonaws.com.cn',
    dualStackSuffix: 'on.amazonwebservices.com.cn'
  },
  {
    name: 'aws',
    regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+$/,
    dnsSuffix: 'amazonaws.com',
    dualStackSuffix: 'on.aws'
  }
]

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
  | { kind: 'public'; region: typeof ECR_PUBLIC_REGION; partition: 'aws'; host: typeof ECR_PUBLIC_HOST }

/** Registries that one GetAuthorizationToken call serves. */
export interface RegistryGroup {
  key: string
  kind: 'private' | 'public'
  region: string
  fips: boolean
  dualStack: boolean
  registries: Registry[]
}

export function partitionOf(region: string): Partition | undefined {
  return PARTITIONS.find(p => p.regionPattern.test(region))
}

export function isValidRegion(region: string): boolean {
  return partitionOf(region) !== undefined
}

// <account>.dkr.ecr[-fips].<region>.<suffix> or, dual-stack, <account>.dkr-ecr[-fips].<region>.<suffix>
const PRIVATE_HOST = /^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-z0-9-]+)\.([a-z0-9.-]+)$/
const ACCOUNT_ID = /^\d{12}$/

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

export function privateHost(accountId: string, region: string): string {
  const partition = partitionOf(region)
  return `${accountId}.dkr.ecr.${region}.${partition?.dnsSuffix ?? 'amazonaws.com'}`
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
    const partition = partitionOf(defaultRegion)
    return {
      kind: 'private',
      region: defaultRegion,
      partition: partition?.name ?? 'aws',
      fips: false,
      dualStack: false,
      accountId: entry,
      host: privateHost(entry, defaultRegion)
    }
  }

  const host = hostOf(entry)
  if (host === ECR_PUBLIC_HOST) {
    return { kind: 'public', region: ECR_PUBLIC_REGION, partition: 'aws', host: ECR_PUBLIC_HOST }
  }

  const match = PRIVATE_HOST.exec(host)
  if (match) {
    const [, accountId, separator, fips, region, suffix] = match
    const partition = partitionOf(region)
    const dualStack = separator === '-'
    const expectedSuffix = dualStack ? partition?.dualStackSuffix : partition?.dnsSuffix
    if (partition && suffix === expectedSuffix) {
      return {
        kind: 'private',
        region,
        partition: partition.name,
        fips: fips !== undefined,
        dualStack,
        accountId,
        host
      }
    }
  }

  throw new InputError(`registries: '${entry}' is not an ECR registry. Each entry must be ${ACCEPTED_FORMS}.`)
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
    const seen = new Set<string>()
    return registries.filter(registry => {
      const key = registry.host ?? ''
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  }
  if (!region) {
    throw new InputError(
      "aws-region: no region given. Set the 'aws-region' input (or the AWS_REGION environment variable) " +
        "to log in to your default registry, or list full registry hosts in 'registries'."
    )
  }
  const partition = partitionOf(region)
  return [{ kind: 'private', region, partition: partition?.name ?? 'aws', fips: false, dualStack: false }]
}

/** Groups registries by the API call that serves them: (partition, region, private/public, endpoint variant). */
export function groupRegistries(registries: readonly Registry[]): RegistryGroup[] {
  const groups = new Map<string, RegistryGroup>()
  for (const registry of registries) {
    const fips = registry.kind === 'private' && registry.fips
    const dualStack = registry.kind === 'private' && registry.dualStack
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
