// AWS's own host names, as the SDK resolves them: the partitions the SDK ships, and for each
// region the ECR, ECR Public and STS API endpoints in every variant. Nothing here is hand-written:
// the suite maps these names to its fronts, so a change in the SDK's data changes the suite too.

import { ECRClient } from '@aws-sdk/client-ecr'
import { ECRPUBLICClient } from '@aws-sdk/client-ecr-public'
import { STSClient } from '@aws-sdk/client-sts'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export type Variant = 'standard' | 'fips' | 'dualstack' | 'dualstack-fips'
const VARIANTS: readonly Variant[] = ['standard', 'fips', 'dualstack', 'dualstack-fips']

export interface SdkPartition {
  id: string
  /** The region the suite uses in this partition: the partition's own implicit global region. */
  region: string
  dnsSuffix: string
  dualStackDnsSuffix: string
  supportsFIPS: boolean
  supportsDualStack: boolean
}

interface PartitionsInfo {
  partitions: {
    id: string
    outputs: {
      dnsSuffix: string
      dualStackDnsSuffix: string
      implicitGlobalRegion: string
      supportsFIPS: boolean
      supportsDualStack: boolean
    }
  }[]
}

/** The partitions table the SDK's endpoint rules read (`partition()` of @aws-sdk/core). */
export async function sdkPartitions(): Promise<SdkPartition[]> {
  // @aws-sdk/core exports partition(region) but not the table; the table is its own ES module.
  const clientEntry = createRequire(import.meta.url).resolve('@aws-sdk/core/client')
  const core = join(dirname(clientEntry), '..', '..', '..')
  const file = join(core, 'dist-es', 'submodules', 'client', 'util-endpoints', 'lib', 'aws', 'partitions.js')
  const { partitionsInfo } = (await import(pathToFileURL(file).href)) as { partitionsInfo: PartitionsInfo }
  return partitionsInfo.partitions.map(({ id, outputs }) => ({
    id,
    region: outputs.implicitGlobalRegion,
    dnsSuffix: outputs.dnsSuffix,
    dualStackDnsSuffix: outputs.dualStackDnsSuffix,
    supportsFIPS: outputs.supportsFIPS,
    supportsDualStack: outputs.supportsDualStack
  }))
}

const FAKE_CREDENTIALS = { accessKeyId: 'AKIDNOTUSED', secretAccessKey: 'not-used' }
const CLIENTS = { ecr: ECRClient, 'ecr-public': ECRPUBLICClient, sts: STSClient }

export type ApiService = keyof typeof CLIENTS

function flags(variant: Variant): { UseFIPS: boolean; UseDualStack: boolean } {
  return { UseFIPS: variant.endsWith('fips'), UseDualStack: variant.startsWith('dualstack') }
}

/** The host a service's client resolves in a region and variant, or undefined if the SDK has none. */
export function apiHost(
  service: ApiService,
  region: string,
  variant: Variant,
  globalEndpoint = false
): string | undefined {
  const client = new CLIENTS[service]({ region, credentials: FAKE_CREDENTIALS })
  try {
    const params = { Region: region, ...flags(variant), ...(globalEndpoint ? { UseGlobalEndpoint: true } : {}) }
    const endpoint = client.config.endpointProvider(params)
    return endpoint.url.hostname
  } catch {
    return undefined
  } finally {
    client.destroy()
  }
}

/** Every API host a step may reach for these regions, whatever variant or flag it sets. */
export function apiHosts(regions: readonly string[]): string[] {
  const hosts = new Set<string>()
  for (const region of regions) {
    for (const variant of VARIANTS) {
      for (const service of ['ecr', 'sts'] as const) {
        for (const global of [false, true]) {
          const host = apiHost(service, region, variant, global)
          if (host) hosts.add(host)
        }
      }
    }
  }
  // ECR Public hands out tokens in us-east-1 only.
  for (const variant of VARIANTS) {
    const host = apiHost('ecr-public', 'us-east-1', variant)
    if (host) hosts.add(host)
  }
  return [...hosts].sort()
}

/**
 * The registry host of `account` in a partition and variant. Standard and FIPS hosts sit under
 * the partition's DNS suffix; dual-stack ones under its dual-stack suffix with `api.` turned into
 * `on.` (ECR's documented rule: api.aws → on.aws).
 */
function registryHost(account: string, partition: SdkPartition, variant: Variant, region = partition.region): string {
  const service = variant.endsWith('fips') ? 'ecr-fips' : 'ecr'
  if (!variant.startsWith('dualstack')) return `${account}.dkr.${service}.${region}.${partition.dnsSuffix}`
  return `${account}.dkr-${service}.${region}.${partition.dualStackDnsSuffix.replace(/^api\./, 'on.')}`
}

/** The (partition, variant) pairs the SDK resolves an ECR endpoint for. */
export async function registryForms(
  account: string
): Promise<{ partition: SdkPartition; variant: Variant; host: string; apiHost: string }[]> {
  const forms = []
  for (const partition of await sdkPartitions()) {
    for (const variant of VARIANTS) {
      const endpoint = apiHost('ecr', partition.region, variant)
      if (endpoint)
        forms.push({ partition, variant, host: registryHost(account, partition, variant), apiHost: endpoint })
    }
  }
  return forms
}
