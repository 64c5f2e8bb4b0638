// Property-based tests (fast-check) for the pure parsers: the `registries` input and ECR's
// authorization token. Each property has a fixed seed, so a CI failure replays exactly; to explore
// further, change a seed locally (or drop it) and raise numRuns.
//
// The ECR host rules are restated here from scratch, as an oracle that works on labels rather than
// on one regular expression. Its partitions come from the AWS SDK's own data file, read directly
// (not through src, which may only call the SDK's partition()), and the oracle checks itself
// against real host names from AWS's documentation: the tests share neither a mistake nor a stale
// table with src/registries.ts.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ActionError, InputError } from '../src/errors.js'
import {
  ECR_PUBLIC_DUALSTACK_HOST,
  ECR_PUBLIC_HOST,
  groupRegistries,
  parseRegistry,
  type Registry,
  selectRegistries,
  splitRegistryList
} from '../src/registries.js'
import { decodeAuthorizationToken } from '../src/aws-ecr.js'

// ---------------------------------------------------------------------------------------------
// The oracle

interface SdkPartitions {
  partitions: {
    id: string
    outputs: { dnsSuffix: string; dualStackDnsSuffix: string; supportsDualStack: boolean; supportsFIPS: boolean }
    regionRegex: string
    regions: Record<string, unknown>
  }[]
}

/** The partitions data the SDK's endpoint resolution uses, read from its file (the SDK exports no table). */
function readSdkPartitions(): SdkPartitions {
  const root = dirname(createRequire(import.meta.url).resolve('@aws-sdk/core/package.json'))
  const text = readFileSync(join(root, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'), 'utf8')
  return JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as SdkPartitions
}

interface OraclePartition {
  name: string
  regionPattern: RegExp
  /** A region is `<prefix>-<word>-<number>`, e.g. `us-gov` + `west` + `1`. */
  prefixes: readonly string[]
  suffix: string
  dualStackSuffix?: string
  /** Real regions, so the generators hit the common cases often. */
  known: readonly string[]
}

const ORACLE: readonly OraclePartition[] = readSdkPartitions().partitions.map(
  ({ id, outputs, regionRegex, regions }) => {
    // Pseudo-regions such as aws-global name no registry.
    const known = Object.keys(regions).filter(region => /-\d+$/.test(region))
    return {
      name: id,
      regionPattern: new RegExp(regionRegex),
      prefixes: [...new Set(known.map(region => region.split('-').slice(0, -2).join('-')))],
      suffix: outputs.dnsSuffix,
      // ECR's documented rule: registries at on.<domain> where the partition's dual-stack APIs are at api.<domain>.
      dualStackSuffix: outputs.supportsDualStack ? outputs.dualStackDnsSuffix.replace(/^api\./, 'on.') : undefined,
      known
    }
  }
)
const DEFAULT_PARTITION = ORACLE.find(p => p.name === 'aws') as OraclePartition

const ALL_SUFFIXES = [
  ...new Set(ORACLE.flatMap(p => [p.suffix, p.dualStackSuffix].filter((s): s is string => s !== undefined)))
]

const isAsciiDigits = (text: string, length?: number): boolean =>
  (length === undefined || text.length === length) && text.length > 0 && [...text].every(c => c >= '0' && c <= '9')
const isAsciiLower = (text: string): boolean => text.length > 0 && [...text].every(c => c >= 'a' && c <= 'z')

/**
 * The partition of a region, or undefined: a region the SDK lists by name, or one its partition's
 * regionRegex matches, made of lower-case words (hosts are lower-cased; no region word has a digit
 * or an underscore). The SDK's partition() puts any other string in aws, and exports no pattern,
 * so src also takes `<two letters>-<word>-<n>` for aws: a new area there still ends in AWS's domain.
 */
function oraclePartition(region: string): OraclePartition | undefined {
  const parts = region.split('-')
  if (parts.length < 3) return undefined
  const number = parts[parts.length - 1]
  const word = parts[parts.length - 2]
  const prefix = parts.slice(0, -2)
  if (!isAsciiDigits(number) || !isAsciiLower(word) || !prefix.every(isAsciiLower)) return undefined
  const byName = ORACLE.find(p => p.known.includes(region))
  const byPattern = ORACLE.find(p => p.regionPattern.test(region))
  const byArea = prefix.length === 1 && prefix[0].length === 2 ? DEFAULT_PARTITION : undefined
  return byName ?? byPattern ?? byArea
}

interface Expected {
  accountId: string
  region: string
  partition: string
  fips: boolean
  dualStack: boolean
}

/** What a bare, lower-case private ECR host says about itself, or undefined if it is not one. */
function oraclePrivateHost(host: string): Expected | undefined {
  const labels = host.split('.')
  const [accountId, second, third] = labels
  if (!isAsciiDigits(accountId, 12)) return undefined
  let service: string
  let rest: string[]
  let dualStack: boolean
  if (second === 'dkr' && (third === 'ecr' || third === 'ecr-fips')) {
    service = third
    rest = labels.slice(3)
    dualStack = false
  } else if (second === 'dkr-ecr' || second === 'dkr-ecr-fips') {
    service = second
    rest = labels.slice(2)
    dualStack = true
  } else {
    return undefined
  }
  const [region, ...suffixLabels] = rest
  if (region === undefined) return undefined
  const partition = oraclePartition(region)
  if (!partition) return undefined
  const wanted = dualStack ? partition.dualStackSuffix : partition.suffix
  if (wanted === undefined || suffixLabels.join('.') !== wanted) return undefined
  return { accountId, region, partition: partition.name, fips: service.endsWith('-fips'), dualStack }
}

const LINE_TERMINATORS = /[\n\r\u2028\u2029]/
const asciiLower = (text: string): string => text.replace(/[A-Z]/g, c => c.toLowerCase())

/** An entry split as users write it: an optional http(s) scheme, the host, an optional path. */
function splitEntry(entry: string): { host: string; path: string } {
  const start = ['https://', 'http://'].find(scheme => asciiLower(entry.slice(0, scheme.length)) === scheme)
  const rest = entry.slice(start?.length ?? 0)
  const slash = rest.indexOf('/')
  return slash === -1 ? { host: rest, path: '' } : { host: rest.slice(0, slash), path: rest.slice(slash) }
}

// ECR Public's registry hosts, as AWS documents them: IPv4, and dual-stack.
const ORACLE_PUBLIC_HOSTS = ['public.ecr.aws', 'ecr-public.aws.com']

/** The ECR Public host of an entry with an optional http(s) scheme and an optional one-line path. */
function oraclePublicHost(entry: string): string | undefined {
  const { host, path } = splitEntry(entry)
  const lower = host.toLowerCase()
  return ORACLE_PUBLIC_HOSTS.includes(lower) && !LINE_TERMINATORS.test(path) ? lower : undefined
}

/**
 * What parseRegistry should return for an entry, or undefined where it should throw InputError.
 * `defaultRegion` is a valid region or undefined: readInputs checks it before it gets here.
 * The host is lower-cased with toLowerCase, as Docker host names are case-insensitive; note that
 * this maps the Kelvin sign (U+212A) to `k`, which still yields a genuine ECR host.
 */
function oracleParse(entry: string, defaultRegion: string | undefined): Registry | undefined {
  if (isAsciiDigits(entry, 12)) {
    const partition = defaultRegion === undefined ? undefined : oraclePartition(defaultRegion)
    if (defaultRegion === undefined || partition === undefined) return undefined
    const host = `${entry}.dkr.ecr.${defaultRegion}.${partition.suffix}`
    const fields = { region: defaultRegion, partition: partition.name, fips: false, dualStack: false }
    return { kind: 'private', ...fields, accountId: entry, host }
  }
  const publicHost = oraclePublicHost(entry)
  if (publicHost !== undefined) {
    return { kind: 'public', region: 'us-east-1', partition: 'aws', host: publicHost } as Registry
  }
  const { host: written, path } = splitEntry(entry)
  const host = written.toLowerCase()
  const expected = oraclePrivateHost(host)
  if (expected === undefined || LINE_TERMINATORS.test(path)) return undefined
  return { kind: 'private', ...expected, host }
}

describe('the oracle itself', () => {
  // Real registry host names, written out: from AWS's ECR user guide (IPv4 and dual-stack request
  // endpoints, FIPS endpoints) and the ECR endpoints AWS publishes per partition. If the SDK data the
  // oracle reads, or the on./api. rule, ever disagrees with these, this fails first.
  it.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'aws', 'us-east-1', false, false],
    ['123456789012.dkr.ecr-fips.us-east-2.amazonaws.com', 'aws', 'us-east-2', true, false],
    ['123456789012.dkr-ecr.eu-west-1.on.aws', 'aws', 'eu-west-1', false, true],
    ['123456789012.dkr-ecr-fips.us-west-2.on.aws', 'aws', 'us-west-2', true, true],
    ['123456789012.dkr.ecr.us-gov-west-1.amazonaws.com', 'aws-us-gov', 'us-gov-west-1', false, false],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'aws-us-gov', 'us-gov-west-1', true, false],
    ['123456789012.dkr-ecr-fips.us-gov-east-1.on.aws', 'aws-us-gov', 'us-gov-east-1', true, true],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'aws-cn', 'cn-north-1', false, false],
    ['123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn', 'aws-cn', 'cn-northwest-1', false, true],
    ['123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu', 'aws-eusc', 'eusc-de-east-1', false, false],
    ['123456789012.dkr-ecr.eusc-de-east-1.on.amazonwebservices.eu', 'aws-eusc', 'eusc-de-east-1', false, true],
    ['123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov', 'aws-iso', 'us-iso-east-1', false, false],
    ['123456789012.dkr-ecr.us-iso-west-1.on.aws.ic.gov', 'aws-iso', 'us-iso-west-1', false, true],
    ['123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov', 'aws-iso-b', 'us-isob-east-1', false, false],
    ['123456789012.dkr-ecr.us-isob-east-1.on.aws.scloud', 'aws-iso-b', 'us-isob-east-1', false, true],
    ['123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk', 'aws-iso-e', 'eu-isoe-west-1', false, false],
    ['123456789012.dkr-ecr.eu-isoe-west-1.on.cloud-aws.adc-e.uk', 'aws-iso-e', 'eu-isoe-west-1', false, true],
    ['123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov', 'aws-iso-f', 'us-isof-south-1', false, false],
    ['123456789012.dkr-ecr-fips.us-isof-south-1.on.aws.hci.ic.gov', 'aws-iso-f', 'us-isof-south-1', true, true]
  ])('accepts %s (partition %s, region %s, FIPS %s, dual-stack %s)', (host, partition, region, fips, dualStack) => {
    expect(oraclePrivateHost(host)).toEqual({ accountId: '123456789012', region, partition, fips, dualStack })
    expect(parseRegistry(host, undefined)).toEqual({ kind: 'private', ...oraclePrivateHost(host), host })
  })

  it('knows every partition the SDK ships, and each has a dual-stack registry domain', () => {
    expect(ORACLE.map(p => p.name).sort()).toEqual(
      expect.arrayContaining([
        'aws',
        'aws-cn',
        'aws-eusc',
        'aws-iso',
        'aws-iso-b',
        'aws-iso-e',
        'aws-iso-f',
        'aws-us-gov'
      ])
    )
    for (const partition of ORACLE) {
      expect(partition.dualStackSuffix, partition.name).toMatch(/^on\./)
      expect(partition.known.length, partition.name).toBeGreaterThan(0)
    }
  })

  it.each(['public.ecr.aws', 'ecr-public.aws.com', 'https://ECR-Public.aws.com/docker/library/redis'])(
    'takes %s for ECR Public',
    entry => {
      expect(oraclePublicHost(entry)).toBeDefined()
    }
  )

  it.each([
    '123456789012.dkr.ecr.us-east-1.on.aws',
    '123456789012.dkr-ecr.us-iso-east-1.c2s.ic.gov',
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com',
    '12345678901.dkr.ecr.us-east-1.amazonaws.com',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com.',
    '123456789012.dkr.ecr.mars-east-1.amazonaws.com',
    '123456789012.dkr.ecr.aws-global.amazonaws.com',
    '123456789012.dkr-ecr.us-iso-east-1.api.aws.ic.gov',
    '123456789012.dkr-ecr.us-iso-east-1.on.aws'
  ])('refuses %s', host => {
    expect(oraclePrivateHost(host)).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------
// Generators

// fc.stringMatching is slow to build (milliseconds), so each one is built once, never inside chain().
const account = fc.stringMatching(/^\d{12}$/)
const regionWord = fc.stringMatching(/^[a-z]{1,12}$/)
const extraLabel = fc.stringMatching(/^[a-z0-9-]{1,10}$/)

/** A region of some partition: a real one, or `<prefix>-<word>-<n>` of the partition's shape. */
const regionOf = (partition: OraclePartition): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...partition.known),
    fc
      .tuple(fc.constantFrom(...partition.prefixes), regionWord, fc.nat({ max: 20 }))
      .map(([prefix, word, n]) => `${prefix}-${word}-${n}`)
  )

const partitionArb = fc.constantFrom(...ORACLE)
const anyRegion = partitionArb.chain(regionOf)

interface HostParts {
  accountId: string
  region: string
  partition: OraclePartition
  fips: boolean
  dualStack: boolean
}

const hostParts: fc.Arbitrary<HostParts> = partitionArb.chain(partition =>
  fc.record({
    accountId: account,
    region: regionOf(partition),
    partition: fc.constant(partition),
    fips: fc.boolean(),
    dualStack: partition.dualStackSuffix ? fc.boolean() : fc.constant(false)
  })
)

function hostFrom({ accountId, region, partition, fips, dualStack }: HostParts): string {
  const service = `${dualStack ? 'dkr-ecr' : 'dkr.ecr'}${fips ? '-fips' : ''}`
  const suffix = dualStack ? partition.dualStackSuffix : partition.suffix
  return `${accountId}.${service}.${region}.${suffix}`
}

const scheme = fc.constantFrom('', '', 'https://', 'http://', 'HTTPS://', 'Http://')
/** A repository path as a user would paste it: nothing, `/`, or `/repo[:tag]`, on one line. */
const path = fc.oneof(
  fc.constant(''),
  fc.constant('/'),
  fc.stringMatching(/^(\/[a-z0-9._-]{1,12}){1,3}(:[\w.-]{1,10})?$/),
  fc.string({ maxLength: 20 }).map(text => `/${text}`)
)

/** A host decorated as users write it: random case, maybe a scheme, maybe a repository path. */
const decorate = (host: fc.Arbitrary<string>): fc.Arbitrary<{ entry: string; host: string }> =>
  fc
    .tuple(scheme, fc.mixedCase(host), path)
    .map(([prefix, written, suffix]) => ({ entry: `${prefix}${written}${suffix}`, host: written }))

const digit = fc.constantFrom(...'0123456789')

/** A valid host with one mutation; the result may still be valid (the oracle decides). */
const nearMissHost: fc.Arbitrary<string> = hostParts.chain(parts => {
  const host = hostFrom(parts)
  const { accountId, region, partition, fips, dualStack } = parts
  const rest = host.slice(accountId.length)
  const service = `${dualStack ? 'dkr-ecr' : 'dkr.ecr'}${fips ? '-fips' : ''}`
  const suffix = dualStack ? partition.dualStackSuffix : partition.suffix
  return fc.oneof(
    // A digit added to or removed from the account.
    fc.tuple(fc.nat({ max: 12 }), digit).map(([at, d]) => `${accountId.slice(0, at)}${d}${accountId.slice(at)}${rest}`),
    fc.nat({ max: 11 }).map(at => `${accountId.slice(0, at)}${accountId.slice(at + 1)}${rest}`),
    // A label appended, or the host embedded in a longer one.
    fc.constantFrom('.evil.example', '.', '.com', '.cn', '.aws', '.on.aws', '.amazonaws.com').map(tail => host + tail),
    extraLabel.map(label => `${host}.${label}`),
    fc.constantFrom('x', 'evil.', '0', 'a-').map(head => head + host),
    // The suffix swapped for any other partition's (standard or dual-stack).
    fc.constantFrom(...ALL_SUFFIXES).map(other => `${accountId}.${service}.${region}.${other}`),
    // A region from another (or the same) partition, with this partition's suffix.
    anyRegion.map(other => `${accountId}.${service}.${other}.${suffix}`),
    // dkr.ecr and dkr-ecr swapped, keeping the domain.
    fc.constant(`${accountId}.${dualStack ? 'dkr.ecr' : 'dkr-ecr'}${fips ? '-fips' : ''}.${region}.${suffix}`),
    // FIPS spelt elsewhere.
    fc
      .constantFrom('fips.dkr.ecr', 'dkr.fips-ecr', 'dkr.ecr.fips', 'dkr-fips-ecr', 'dkr.ecrfips', 'dkr_ecr')
      .map(other => `${accountId}.${other}.${region}.${suffix}`),
    // A region in an area no partition has (or a two-letter one, which src takes for aws).
    fc
      .tuple(
        fc.constantFrom('mars', 'xx', 'usa', 'u', 'eusc', 'us-iso-x', 'cn-cn', 'gov'),
        regionWord,
        fc.nat({ max: 9 })
      )
      .map(([area, word, n]) => `${accountId}.${service}.${area}-${word}-${n}.${suffix}`),
    // A region label broken.
    fc
      .constantFrom(`${region}a`, region.replace(/-\d+$/, ''), region.replace(/-/g, ''), `${region}-1`, ` ${region}`)
      .map(other => `${accountId}.${service}.${other}.${suffix}`),
    // A port, user info, a trailing dot, an empty label.
    fc.constantFrom(':443', ':5000', '@evil.example', '..', '.').map(tail => host + tail),
    fc.constant(host.replace('.', '..')),
    // A scheme inside the host, or a mangled scheme in front of it.
    fc
      .tuple(fc.nat({ max: host.length }), fc.constantFrom('https://', 'http://', '/', '//'))
      .map(([at, text]) => `${host.slice(0, at)}${text}${host.slice(at)}`),
    fc
      .constantFrom('https:/', 'https//', 'ftp://', 'https:///', 'hxxps://', 'https://https://', 'docker://', '//')
      .map(bad => bad + host),
    // One character swapped for a look-alike (Kelvin sign, dotless i, Cyrillic e, full-width 1).
    fc
      .tuple(fc.nat({ max: host.length - 1 }), fc.constantFrom('\u212a', '\u0131', '\u0435', '\uff11', '\u00a0', '_'))
      .map(([at, c]) => `${host.slice(0, at)}${c}${host.slice(at + 1)}`)
  )
})

/** An ECR Public host with one mutation; some mutations keep it valid (the oracle decides). */
const nearMissPublic: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'public.ecr.aws.evil.example',
    'public.ecr.aws.',
    'public.ecr.aws:443',
    'public.ecr.aws@evil.example',
    'evil.public.ecr.aws',
    'public.ecr.aws.cn',
    'public-ecr.aws',
    'public.ecr-fips.aws',
    'publicecr.aws',
    'public.ecr.awss',
    'public.ecr.aws\\evil',
    ' public.ecr.aws',
    'public.ecr.aws\n/x',
    'public.ecr.aws/x\ny',
    'public.ecr.aws/x\u2028',
    'evil.example/public.ecr.aws',
    'evil.example?public.ecr.aws',
    'xhttps://public.ecr.aws',
    'https://public.ecr.aws:443/x'
  ),
  fc.constantFrom(
    'ecr-public.aws.com.evil.example',
    'ecr-public.aws.com.',
    'ecr-public.aws',
    'ecr-public.aws.com:443',
    'evil.ecr-public.aws.com',
    'ecr-public-fips.aws.com',
    'public.ecr.aws.com',
    'ecr-public.api.aws',
    'ecr-public.us-east-1.api.aws'
  ),
  fc
    .tuple(
      fc.constantFrom(...ORACLE_PUBLIC_HOSTS),
      fc.nat({ max: 17 }),
      fc.constantFrom('', '.', '-', 'x', '\u212a', '\u0131', '/', ' ')
    )
    .map(([host, at, c]) => `${host.slice(0, at)}${c}${host.slice(at + 1)}`),
  fc
    .tuple(
      fc.constantFrom(...ORACLE_PUBLIC_HOSTS),
      fc.nat({ max: 18 }),
      fc.constantFrom('https://', 'http://', '/', '.')
    )
    .map(([host, at, text]) => `${host.slice(0, at)}${text}${host.slice(at)}`)
)

/** Characters from which ECR-like text is made, so arbitrary strings come close to hosts. */
const ecrSoup = fc.string({
  unit: fc.constantFrom(...'0123456789.-:/dkrecawsmzonpublicfipsnu DKR\u212a\n'.split('')),
  maxLength: 60
})

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  ecrSoup,
  fc.tuple(scheme, ecrSoup).map(([a, b]) => a + b),
  fc.tuple(account, ecrSoup).map(([a, b]) => a + b)
)

// ---------------------------------------------------------------------------------------------
// Helpers

function outcome(run: () => Registry): { registry: Registry } | { error: unknown } {
  try {
    return { registry: run() }
  } catch (error) {
    return { error }
  }
}

/** Checks a private result against the oracle; a public one against the public-entry oracle. */
function expectSound(entry: string, registry: Registry): void {
  if (registry.kind === 'public') {
    const host = oraclePublicHost(entry)
    expect(host, entry).toBeDefined()
    expect(registry).toEqual({ kind: 'public', region: 'us-east-1', partition: 'aws', host })
    return
  }
  expect(registry.host, entry).toBeDefined()
  const expected = oraclePrivateHost(registry.host ?? '')
  expect(expected, `${entry} gave ${registry.host}`).toBeDefined()
  expect(registry).toEqual({ kind: 'private', ...expected, host: registry.host })
}

/** parseRegistry's outcome is the oracle's: the same registry, or an InputError where it has none. */
function expectAsOracle(
  entry: string,
  region: string | undefined,
  result: { registry: Registry } | { error: unknown }
): void {
  const expected = oracleParse(entry, region)
  const actual = 'registry' in result ? result.registry : result.error
  if (expected === undefined) expect(actual, JSON.stringify(entry)).toBeInstanceOf(InputError)
  else expect(actual, JSON.stringify(entry)).toEqual(expected)
}

// ---------------------------------------------------------------------------------------------
// Properties

describe('parseRegistry (properties)', () => {
  const maybeRegion = fc.option(anyRegion, { nil: undefined })

  it('on any string, throws only InputError, and accepts only ECR hosts and public.ecr.aws', () => {
    fc.assert(
      fc.property(anyText, maybeRegion, (entry, region) => {
        const result = outcome(() => parseRegistry(entry, region))
        if ('error' in result) {
          expect(result.error).toBeInstanceOf(InputError)
        } else {
          expectSound(entry, result.registry)
        }
        expectAsOracle(entry, region, result)
      }),
      { seed: 0x5eed0001, numRuns: 2000 }
    )
  })

  it('on near-miss private hosts (with any case, scheme and path), accepts exactly what the oracle accepts', () => {
    fc.assert(
      fc.property(decorate(nearMissHost), maybeRegion, ({ entry }, region) => {
        const result = outcome(() => parseRegistry(entry, region))
        if ('registry' in result) expectSound(entry, result.registry)
        expectAsOracle(entry, region, result)
      }),
      { seed: 0x5eed0002, numRuns: 2000 }
    )
  })

  it('on near-miss public.ecr.aws entries, accepts exactly what the oracle accepts', () => {
    fc.assert(
      fc.property(decorate(nearMissPublic), maybeRegion, ({ entry }, region) => {
        const result = outcome(() => parseRegistry(entry, region))
        if ('registry' in result) expectSound(entry, result.registry)
        expectAsOracle(entry, region, result)
      }),
      { seed: 0x5eed000b, numRuns: 1000 }
    )
  })

  it('round-trips every valid host to the bare lower-case host with the right fields', () => {
    fc.assert(
      fc.property(hostParts, scheme, path, maybeRegion, fc.boolean(), (parts, prefix, suffix, region, upper) => {
        const host = hostFrom(parts)
        const written = upper ? host.toUpperCase() : host
        for (const entry of [`${prefix}${written}${suffix}`, host]) {
          expect(parseRegistry(entry, region)).toEqual({
            kind: 'private',
            region: parts.region,
            partition: parts.partition.name,
            fips: parts.fips,
            dualStack: parts.dualStack,
            accountId: parts.accountId,
            host
          })
        }
      }),
      { seed: 0x5eed0003, numRuns: 1000 }
    )
  })

  it('round-trips mixed-case hosts with a scheme and a path', () => {
    fc.assert(
      fc.property(
        hostParts.chain(parts => fc.tuple(fc.constant(parts), decorate(fc.constant(hostFrom(parts))))),
        ([parts, { entry }]) => {
          expect(parseRegistry(entry, undefined)).toMatchObject({
            kind: 'private',
            region: parts.region,
            partition: parts.partition.name,
            accountId: parts.accountId,
            host: hostFrom(parts)
          })
        }
      ),
      { seed: 0x5eed0004, numRuns: 1000 }
    )
  })

  it('places a 12-digit account in a valid region at <account>.dkr.ecr.<region>.<suffix>', () => {
    fc.assert(
      fc.property(
        account,
        partitionArb.chain(p => fc.tuple(fc.constant(p), regionOf(p))),
        (id, [partition, region]) => {
          const host = `${id}.dkr.ecr.${region}.${partition.suffix}`
          expect(parseRegistry(id, region)).toEqual({
            kind: 'private',
            region,
            partition: partition.name,
            fips: false,
            dualStack: false,
            accountId: id,
            host
          })
          expect(oraclePrivateHost(host)).toEqual({
            accountId: id,
            region,
            partition: partition.name,
            fips: false,
            dualStack: false
          })
          // The account and its full host are one registry.
          expect(parseRegistry(host, undefined)).toEqual(parseRegistry(id, region))
        }
      ),
      { seed: 0x5eed0005, numRuns: 1000 }
    )
  })

  it('accepts public.ecr.aws and ecr-public.aws.com in any case, with any scheme and path, as ECR Public', () => {
    const publicHost = fc.constantFrom(...ORACLE_PUBLIC_HOSTS)
    fc.assert(
      fc.property(
        publicHost.chain(host => decorate(fc.constant(host))),
        maybeRegion,
        ({ entry, host }, region) => {
          const result = outcome(() => parseRegistry(entry, region))
          expect('registry' in result ? result.registry : result.error, entry).toEqual({
            kind: 'public',
            region: 'us-east-1',
            partition: 'aws',
            host: host.toLowerCase()
          })
        }
      ),
      { seed: 0x5eed0006, numRuns: 500 }
    )
  })
})

describe('splitRegistryList (properties)', () => {
  const padding = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\u00a0', '\ufeff'), maxLength: 3 })
  const separator = fc.constantFrom(',', '\n', ', ', ',\n', '\r\n', '\n\n', ',,')
  const item = fc.oneof(
    fc.constantFrom('123456789012', 'public.ecr.aws', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'a', ''),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 })
  )
  const list = fc.oneof(
    fc
      .array(fc.tuple(padding, item, padding, separator), { maxLength: 12 })
      .map(parts => parts.map(([before, text, after, sep]) => `${before}${text}${after}${sep}`).join('')),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '\n', '\t'), maxLength: 30 })
  )

  /** The expected result, by walking the text one character at a time. */
  function model(value: string): string[] {
    const result: string[] = []
    let current = ''
    const flush = (): void => {
      const entry = current.trim()
      if (entry !== '' && !result.includes(entry)) result.push(entry)
      current = ''
    }
    for (const c of value) {
      if (c === ',' || c === '\n') flush()
      else current += c
    }
    flush()
    return result
  }

  it('has no blanks, duplicates, padding or separators, and keeps first-seen order', () => {
    fc.assert(
      fc.property(list, value => {
        const entries = splitRegistryList(value)
        for (const entry of entries) {
          expect(entry).not.toBe('')
          expect(entry).toBe(entry.trim())
          expect(entry).not.toMatch(/[,\n]/)
          expect(value).toContain(entry)
        }
        expect(new Set(entries).size).toBe(entries.length)
        // First-seen order: each entry's first appearance in the text comes after the previous one's.
        const segments = value.split(/[,\n]/).map(segment => segment.trim())
        const firstSeen = entries.map(entry => segments.indexOf(entry))
        expect(firstSeen.every(index => index >= 0)).toBe(true)
        expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen)
        expect(entries).toEqual(model(value))
      }),
      { seed: 0x5eed0007, numRuns: 2000 }
    )
  })
})

describe('selectRegistries + groupRegistries (properties)', () => {
  const entry = fc.oneof(
    { weight: 4, arbitrary: hostParts.map(hostFrom) },
    { weight: 2, arbitrary: hostParts.chain(parts => decorate(fc.constant(hostFrom(parts)))).map(e => e.entry) },
    { weight: 2, arbitrary: account },
    { weight: 1, arbitrary: fc.constantFrom('123456789012', '210987654321') },
    { weight: 1, arbitrary: decorate(fc.constant(ECR_PUBLIC_HOST)).map(e => e.entry) },
    { weight: 1, arbitrary: decorate(fc.constant(ECR_PUBLIC_DUALSTACK_HOST)).map(e => e.entry) }
  )
  const selection = fc.record({
    entries: fc.array(entry, { maxLength: 10 }),
    registryType: fc.constantFrom<'private' | 'public'>('private', 'private', 'private', 'public'),
    region: anyRegion
  })

  // ECR Public's dual-stack host gets its token from ECR Public's dual-stack endpoint.
  const dualStackOf = (registry: Registry): boolean =>
    registry.kind === 'private' ? registry.dualStack : registry.host === 'ecr-public.aws.com'
  const variantOf = (registry: Registry): string =>
    [
      registry.partition,
      registry.region,
      registry.kind,
      registry.kind === 'private' && registry.fips,
      dualStackOf(registry)
    ].join('|')

  it('puts every registry in exactly one group, never mixing region, kind or variant', () => {
    fc.assert(
      fc.property(selection, ({ entries, registryType, region }) => {
        const registries = selectRegistries({ entries, registryType, region })
        expect(registries.length).toBeGreaterThan(0)
        if (registryType === 'public') expect(registries.map(r => r.host)).toEqual([ECR_PUBLIC_HOST])
        if (registryType === 'private' && entries.length === 0) {
          expect(registries).toHaveLength(1)
          expect(registries[0]).toMatchObject({ kind: 'private', region })
          expect(registries[0].host).toBeUndefined()
        }
        // One login per host, in the order first written.
        const hosts = registries.map(r => r.host ?? '')
        expect(new Set(hosts).size).toBe(hosts.length)

        const groups = groupRegistries(registries)
        const placed = groups.flatMap(group => group.registries)
        expect(placed).toHaveLength(registries.length)
        for (const registry of registries) {
          expect(placed.filter(r => r === registry)).toHaveLength(1)
        }
        for (const group of groups) {
          expect(group.registries.length).toBeGreaterThan(0)
          expect(new Set(group.registries.map(variantOf)).size).toBe(1)
          for (const registry of group.registries) {
            expect(registry.kind).toBe(group.kind)
            expect(registry.region).toBe(group.region)
            expect(registry.kind === 'private' && registry.fips).toBe(group.fips)
            expect(dualStackOf(registry)).toBe(group.dualStack)
          }
        }
        expect(new Set(groups.map(g => g.key)).size).toBe(groups.length)
        expect(groups).toHaveLength(new Set(registries.map(variantOf)).size)
      }),
      { seed: 0x5eed0008, numRuns: 1000 }
    )
  })
})

describe('decodeAuthorizationToken (properties)', () => {
  const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
  const MESSAGE = `ECR sent an authorization token for ${HOST} that is not base64 of user:password.`
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

  const token = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.base64String(),
    fc.string({ unit: 'binary' }).map(base64),
    fc.string().map(base64),
    fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 20 })).map(([u, p]) => base64(`${u}:${p}`)),
    fc
      .tuple(fc.string().map(base64), fc.constantFrom('\n', ' ', '=', '==', '===', '-', '_', '.'))
      .map(([t, x]) => t + x)
  )

  it('on any string, throws only ActionError, whose message quotes neither token nor password', () => {
    fc.assert(
      fc.property(token, value => {
        let caught: unknown
        let credentials
        try {
          credentials = decodeAuthorizationToken(value, HOST)
        } catch (error) {
          caught = error
        }
        if (credentials) {
          // Only one line of the base64 alphabet, padding at the end only, is taken as a token.
          expect(value).toMatch(/^[A-Za-z0-9+/]+=*$/)
          expect(credentials.username).not.toBe('')
          expect(credentials.username).not.toContain(':')
          expect(credentials.password).not.toBe('')
          return
        }
        expect(caught).toBeInstanceOf(ActionError)
        const { message } = caught as ActionError
        expect(message).toBe(MESSAGE)
        if (value.length >= 8) expect(message).not.toContain(value)
        const decoded = Buffer.from(value, 'base64').toString('utf8')
        const password = decoded.slice(decoded.indexOf(':') + 1)
        if (password.length >= 8) expect(message).not.toContain(password)
      }),
      { seed: 0x5eed0009, numRuns: 2000 }
    )
  })

  it('round-trips base64 of user:password for any unicode user (no colon) and password', () => {
    const user = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter(u => !u.includes(':'))
    const password = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
      fc.base64String({ minLength: 4, maxLength: 200 })
    )
    fc.assert(
      fc.property(user, password, (username, secret) => {
        expect(decodeAuthorizationToken(base64(`${username}:${secret}`), HOST)).toEqual({
          username,
          password: secret
        })
      }),
      { seed: 0x5eed000a, numRuns: 2000 }
    )
  })
})
