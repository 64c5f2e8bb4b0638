import { describe, expect, it } from 'vitest'
import { InputError } from '../src/errors.js'
import {
  ECR_PUBLIC_DUALSTACK_HOST,
  ECR_PUBLIC_HOST,
  groupRegistries,
  isValidRegion,
  parseRegistry,
  partitionOf,
  privateHost,
  type Registry,
  selectRegistries,
  splitRegistryList
} from '../src/registries.js'

const A = '123456789012'
const B = '210987654321'

// Expected values are written out here (from AWS's ECR documentation and the host names AWS's
// partitions publish), never computed from src's rules or the SDK's data.
describe('parseRegistry: accepted hosts', () => {
  it.each([
    // [entry, partition, region, fips, dualStack]
    [`${A}.dkr.ecr.us-east-1.amazonaws.com`, 'aws', 'us-east-1', false, false],
    [`${A}.dkr.ecr.eu-west-1.amazonaws.com`, 'aws', 'eu-west-1', false, false],
    [`${A}.dkr.ecr.ap-southeast-5.amazonaws.com`, 'aws', 'ap-southeast-5', false, false],
    [`${A}.dkr.ecr.il-central-1.amazonaws.com`, 'aws', 'il-central-1', false, false],
    [`${A}.dkr.ecr.mx-central-1.amazonaws.com`, 'aws', 'mx-central-1', false, false],
    [`${A}.dkr.ecr.us-gov-west-1.amazonaws.com`, 'aws-us-gov', 'us-gov-west-1', false, false],
    [`${A}.dkr.ecr.us-gov-east-1.amazonaws.com`, 'aws-us-gov', 'us-gov-east-1', false, false],
    [`${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`, 'aws-cn', 'cn-north-1', false, false],
    [`${A}.dkr.ecr.cn-northwest-1.amazonaws.com.cn`, 'aws-cn', 'cn-northwest-1', false, false],
    [`${A}.dkr.ecr.eusc-de-east-1.amazonaws.eu`, 'aws-eusc', 'eusc-de-east-1', false, false],
    [`${A}.dkr.ecr.us-iso-east-1.c2s.ic.gov`, 'aws-iso', 'us-iso-east-1', false, false],
    [`${A}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`, 'aws-iso-b', 'us-isob-east-1', false, false],
    [`${A}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk`, 'aws-iso-e', 'eu-isoe-west-1', false, false],
    [`${A}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov`, 'aws-iso-f', 'us-isof-south-1', false, false],
    [`${A}.dkr.ecr-fips.us-east-1.amazonaws.com`, 'aws', 'us-east-1', true, false],
    [`${A}.dkr.ecr-fips.us-gov-west-1.amazonaws.com`, 'aws-us-gov', 'us-gov-west-1', true, false],
    [`${A}.dkr-ecr.us-east-1.on.aws`, 'aws', 'us-east-1', false, true],
    [`${A}.dkr-ecr-fips.us-east-2.on.aws`, 'aws', 'us-east-2', true, true],
    [`${A}.dkr-ecr.us-gov-east-1.on.aws`, 'aws-us-gov', 'us-gov-east-1', false, true],
    [`${A}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`, 'aws-cn', 'cn-north-1', false, true],
    [`${A}.dkr-ecr-fips.cn-northwest-1.on.amazonwebservices.com.cn`, 'aws-cn', 'cn-northwest-1', true, true],
    [`${A}.dkr.ecr-fips.cn-north-1.amazonaws.com.cn`, 'aws-cn', 'cn-north-1', true, false],
    [`${A}.dkr-ecr-fips.us-gov-west-1.on.aws`, 'aws-us-gov', 'us-gov-west-1', true, true],
    [`${A}.dkr-ecr.eusc-de-east-1.on.amazonwebservices.eu`, 'aws-eusc', 'eusc-de-east-1', false, true],
    [`${A}.dkr-ecr-fips.eusc-de-east-1.on.amazonwebservices.eu`, 'aws-eusc', 'eusc-de-east-1', true, true],
    [`${A}.dkr.ecr-fips.eusc-de-east-1.amazonaws.eu`, 'aws-eusc', 'eusc-de-east-1', true, false],
    [`${A}.dkr-ecr.us-iso-west-1.on.aws.ic.gov`, 'aws-iso', 'us-iso-west-1', false, true],
    [`${A}.dkr-ecr-fips.us-iso-east-1.on.aws.ic.gov`, 'aws-iso', 'us-iso-east-1', true, true],
    [`${A}.dkr.ecr-fips.us-iso-east-1.c2s.ic.gov`, 'aws-iso', 'us-iso-east-1', true, false],
    [`${A}.dkr-ecr.us-isob-east-1.on.aws.scloud`, 'aws-iso-b', 'us-isob-east-1', false, true],
    [`${A}.dkr-ecr-fips.us-isob-east-1.on.aws.scloud`, 'aws-iso-b', 'us-isob-east-1', true, true],
    [`${A}.dkr-ecr.eu-isoe-west-1.on.cloud-aws.adc-e.uk`, 'aws-iso-e', 'eu-isoe-west-1', false, true],
    [`${A}.dkr-ecr-fips.eu-isoe-west-1.on.cloud-aws.adc-e.uk`, 'aws-iso-e', 'eu-isoe-west-1', true, true],
    [`${A}.dkr-ecr.us-isof-south-1.on.aws.hci.ic.gov`, 'aws-iso-f', 'us-isof-south-1', false, true],
    [`${A}.dkr-ecr-fips.us-isof-east-1.on.aws.hci.ic.gov`, 'aws-iso-f', 'us-isof-east-1', true, true],
    // A region newer than any table: the SDK's region pattern for its partition places it.
    [`${A}.dkr.ecr.us-gov-north-1.amazonaws.com`, 'aws-us-gov', 'us-gov-north-1', false, false],
    [`${A}.dkr-ecr.ap-southeast-9.on.aws`, 'aws', 'ap-southeast-9', false, true]
  ])('parses %s as partition %s, region %s (fips %s, dual-stack %s)', (entry, partition, region, fips, dualStack) => {
    expect(parseRegistry(entry, undefined)).toEqual({
      kind: 'private',
      region,
      partition,
      fips,
      dualStack,
      accountId: A,
      host: entry
    })
  })

  it.each([
    [`https://${A}.dkr.ecr.eu-west-1.amazonaws.com`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [`http://${A}.dkr.ecr.eu-west-1.amazonaws.com`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [`HTTPS://${A}.dkr.ecr.eu-west-1.amazonaws.com/`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [`${A}.dkr.ecr.eu-west-1.amazonaws.com/team/app`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [`https://${A}.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2.3`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [`${A}.DKR.ECR.EU-WEST-1.AMAZONAWS.COM`, `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    [
      `https://${A}.Dkr-Ecr.Cn-North-1.On.AmazonWebServices.com.CN/App`,
      `${A}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`
    ]
  ])('reduces %s to the host %s', (entry, host) => {
    expect(parseRegistry(entry, undefined)).toMatchObject({ kind: 'private', host, accountId: A })
  })

  it.each([
    'public.ecr.aws',
    'https://public.ecr.aws',
    'public.ecr.aws/octo-org/app',
    'PUBLIC.ECR.AWS',
    'https://Public.Ecr.Aws/octo-org/app:latest'
  ])('parses %s as ECR Public in us-east-1', entry => {
    expect(parseRegistry(entry, undefined)).toEqual({
      kind: 'public',
      region: 'us-east-1',
      partition: 'aws',
      host: ECR_PUBLIC_HOST
    })
  })

  it.each([
    'ecr-public.aws.com',
    'https://ecr-public.aws.com',
    'ecr-public.aws.com/docker/library/redis:8.2.3-alpine',
    'ECR-PUBLIC.AWS.COM'
  ])('parses %s as ECR Public at its dual-stack host, which docker logs in to', entry => {
    expect(parseRegistry(entry, undefined)).toEqual({
      kind: 'public',
      region: 'us-east-1',
      partition: 'aws',
      host: ECR_PUBLIC_DUALSTACK_HOST
    })
  })
})

describe('parseRegistry: an account ID that YAML turned into a number', () => {
  it.each(['12345678901', '98765432109'])(
    'says that YAML dropped the leading zero of %s and shows the quoted form',
    entry => {
      expect(() => parseRegistry(entry, 'eu-west-1')).toThrow(InputError)
      expect(() => parseRegistry(entry, 'eu-west-1')).toThrow(
        `registries: '${entry}' has 11 digits: YAML read an unquoted account ID with a leading zero as a ` +
          `number and dropped the zero. Quote the account ID: registries: '0${entry}'.`
      )
    }
  )

  it('says the same without a region', () => {
    expect(() => parseRegistry('12345678901', undefined)).toThrow("Quote the account ID: registries: '012345678901'.")
  })
})

describe('parseRegistry: account IDs', () => {
  it.each([
    ['eu-west-1', 'aws', `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    ['us-gov-west-1', 'aws-us-gov', `${A}.dkr.ecr.us-gov-west-1.amazonaws.com`],
    ['cn-north-1', 'aws-cn', `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`],
    ['eusc-de-east-1', 'aws-eusc', `${A}.dkr.ecr.eusc-de-east-1.amazonaws.eu`],
    ['us-iso-east-1', 'aws-iso', `${A}.dkr.ecr.us-iso-east-1.c2s.ic.gov`],
    ['us-isob-east-1', 'aws-iso-b', `${A}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`],
    ['eu-isoe-west-1', 'aws-iso-e', `${A}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk`],
    ['us-isof-south-1', 'aws-iso-f', `${A}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov`]
  ])('places an account ID in region %s (partition %s) at %s', (region, partition, host) => {
    expect(parseRegistry(A, region)).toEqual({
      kind: 'private',
      region,
      partition,
      fips: false,
      dualStack: false,
      accountId: A,
      host
    })
  })

  it('refuses an account ID without a region and says to set aws-region or write the full host', () => {
    expect(() => parseRegistry(A, undefined)).toThrow(InputError)
    expect(() => parseRegistry(A, undefined)).toThrow(
      `registries: '${A}' is an account ID, so its region must come from the 'aws-region' input ` +
        `(or the AWS_REGION environment variable). Set 'aws-region', or write the full host, ` +
        `e.g. ${A}.dkr.ecr.eu-west-1.amazonaws.com.`
    )
  })
})

describe('parseRegistry: look-alikes are rejected', () => {
  it.each([
    [`${A}.dkr.ecr.us-east-1.amazonaws.com.evil.example`, 'a longer domain ending elsewhere'],
    [`${A}.dkr.ecr.us-east-1.amazonaws.com.`, 'a trailing dot'],
    [`evil.example/${A}.dkr.ecr.us-east-1.amazonaws.com`, 'the ECR host in the path'],
    [`${A}.dkr.ecr.us-east-1.amazonaws.com@evil.example`, 'user info trick'],
    [`x${A}.dkr.ecr.us-east-1.amazonaws.com`, 'a prefix before the account'],
    [`12345678901.dkr.ecr.us-east-1.amazonaws.com`, 'an 11-digit account'],
    [`1234567890123.dkr.ecr.us-east-1.amazonaws.com`, 'a 13-digit account'],
    ['01234567890', 'an 11-digit entry with a leading zero (not a YAML number)'],
    ['1234567890', 'a 10-digit account ID'],
    ['1234567890123', 'a 13-digit account ID'],
    [`${A}.dkr.ecr.us-east-1.amazonaws.com.cn`, 'an aws region with the China suffix'],
    [`${A}.dkr.ecr.cn-north-1.amazonaws.com`, 'a China region with the global suffix'],
    [`${A}.dkr.ecr.us-gov-west-1.amazonaws.com.cn`, 'a GovCloud region with the China suffix'],
    [`${A}.dkr.ecr.eusc-de-east-1.amazonaws.com`, 'the EUSC region with the global suffix'],
    [`${A}.dkr.ecr.eu-west-1.amazonaws.eu`, 'an aws region with the EUSC suffix'],
    [`${A}.dkr.ecr.us-iso-east-1.amazonaws.com`, 'an ISO region with the global suffix'],
    [`${A}.dkr.ecr.us-east-1.c2s.ic.gov`, 'an aws region with an ISO suffix'],
    [`${A}.dkr.ecr.us-east-1.on.aws`, 'dkr.ecr on the dual-stack domain'],
    [`${A}.dkr.ecr-fips.us-east-1.on.aws`, 'dkr.ecr-fips on the dual-stack domain'],
    [`${A}.dkr-ecr.us-east-1.amazonaws.com`, 'dkr-ecr on the IPv4 domain'],
    [`${A}.dkr-ecr.cn-north-1.on.aws`, 'a China region on the global dual-stack domain'],
    [`${A}.dkr-ecr.us-east-1.on.amazonwebservices.com.cn`, 'an aws region on the China dual-stack domain'],
    [`${A}.dkr-ecr.us-iso-east-1.c2s.ic.gov`, "dkr-ecr on an ISO partition's IPv4 domain"],
    [`${A}.dkr-ecr.us-iso-east-1.on.aws`, 'an ISO region on the global dual-stack domain'],
    [`${A}.dkr-ecr.us-east-1.on.aws.ic.gov`, 'an aws region on the ISO dual-stack domain'],
    [`${A}.dkr-ecr.us-iso-east-1.api.aws.ic.gov`, 'the API domain (api.) instead of the registry domain (on.)'],
    [`${A}.dkr-ecr.us-east-1.api.aws`, 'the global API domain'],
    [`${A}.dkr-ecr.eusc-de-east-1.on.aws`, 'the EUSC region on the global dual-stack domain'],
    [`${A}.dkr-ecr.us-isob-east-1.on.aws.ic.gov`, 'an ISO-B region on the ISO dual-stack domain'],
    [`${A}.dkr.ecr.aws-global.amazonaws.com`, "the SDK's pseudo-region aws-global"],
    [`${A}.dkr.ecr.mars-east-1.amazonaws.com`, 'an unknown region'],
    [`${A}.dkr.ecr..amazonaws.com`, 'an empty region label'],
    [`${A}..dkr.ecr.us-east-1.amazonaws.com`, 'an empty label after the account'],
    [`${A}.dkr.ecr.us-east-1..amazonaws.com`, 'an empty label before the suffix'],
    [`${A}.dkr.ecr.us-east-1.amazonaws..com`, 'an empty label inside the suffix'],
    [`${A}.dkr.ecr.us-east-1.amazonaws.com:443`, 'a port'],
    [`https://${A}.dkr.ecr.us-east-1.amazonaws.com:5000/app`, 'a port with scheme and path'],
    [`ftp://${A}.dkr.ecr.us-east-1.amazonaws.com`, 'another scheme'],
    [`${A}.ecr.us-east-1.amazonaws.com`, 'no dkr label'],
    [`${A}.dkr.ecr.us-east-1.amazonaws.com.evil`, 'an extra label'],
    ['public.ecr.aws.evil.example', 'a public look-alike'],
    ['ecr-public.aws.com.evil.example', 'a dual-stack public look-alike'],
    ['evilecr-public.aws.com', 'a dual-stack public look-alike prefix'],
    ['ecr-public.aws', 'ECR Public without .com'],
    ['public.ecr.aws.com', 'the two public hosts mixed'],
    ['evilpublic.ecr.aws', 'a public look-alike prefix'],
    ['docker.io', 'another registry'],
    ['ghcr.io/octo-org/app', 'another registry with a path']
  ])('rejects %s (%s)', entry => {
    expect(() => parseRegistry(entry, 'us-east-1')).toThrow(InputError)
    expect(() => parseRegistry(entry, 'us-east-1')).toThrow(
      `registries: '${entry}' is not an ECR registry. Each entry must be a 12-digit AWS account ID ` +
        '(e.g. 123456789012), an ECR registry host (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com), ' +
        'or public.ecr.aws.'
    )
  })
})

describe('regions and partitions', () => {
  it.each([
    ['us-east-1', 'aws', 'amazonaws.com'],
    ['ca-west-1', 'aws', 'amazonaws.com'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
    ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
    ['us-iso-west-1', 'aws-iso', 'c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
    ['eu-isoe-west-1', 'aws-iso-e', 'cloud.adc-e.uk'],
    ['us-isof-east-1', 'aws-iso-f', 'csp.hci.ic.gov']
  ])('puts %s in partition %s with DNS suffix %s', (region, name, dnsSuffix) => {
    expect(partitionOf(region)).toMatchObject({ name, dnsSuffix, supportsFIPS: true })
    expect(isValidRegion(region)).toBe(true)
  })

  it.each([
    ['us-east-1', 'on.aws'],
    ['us-gov-west-1', 'on.aws'],
    ['cn-north-1', 'on.amazonwebservices.com.cn'],
    ['eusc-de-east-1', 'on.amazonwebservices.eu'],
    ['us-iso-east-1', 'on.aws.ic.gov'],
    ['us-isob-east-1', 'on.aws.scloud'],
    ['eu-isoe-west-1', 'on.cloud-aws.adc-e.uk'],
    ['us-isof-south-1', 'on.aws.hci.ic.gov']
  ])('gives %s the dual-stack registry domain %s', (region, dualStackSuffix) => {
    expect(partitionOf(region)?.dualStackSuffix).toBe(dualStackSuffix)
  })

  it.each([
    '',
    'eu-west',
    'EU-WEST-1',
    'eu-West-1',
    'eu-west-1 ',
    'mars-east-1',
    'us-east-1a',
    'global',
    'aws-global',
    'aws-cn-global',
    'cn-north',
    'eu_west-1',
    'eu-west-01x'
  ])('does not take %j for a region', region => {
    expect(isValidRegion(region)).toBe(false)
    expect(partitionOf(region)).toBeUndefined()
  })

  it.each([
    ['eu-west-1', `${A}.dkr.ecr.eu-west-1.amazonaws.com`],
    ['cn-north-1', `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`],
    ['eusc-de-east-1', `${A}.dkr.ecr.eusc-de-east-1.amazonaws.eu`]
  ])('builds the registry host of an account in %s', (region, host) => {
    expect(privateHost(A, region)).toBe(host)
  })
})

describe('splitRegistryList', () => {
  it.each([
    ['', []],
    ['  \n , \n', []],
    [A, [A]],
    [`${A},${B}`, [A, B]],
    [`${A}, ${B} ,public.ecr.aws`, [A, B, 'public.ecr.aws']],
    [`${A}\n${B}\n`, [A, B]],
    [`${A}\r\n${B}\r\n`, [A, B]],
    [`\n  ${A}\n\n  ${B},${A}\n`, [A, B]],
    [`${A},,${A}, ${A}`, [A]]
  ])('splits %j on commas and newlines into %j, without blanks or duplicates', (value, entries) => {
    expect(splitRegistryList(value)).toEqual(entries)
  })
})

describe('selectRegistries', () => {
  it('logs in to ECR Public alone when registry-type is public, whatever the entries', () => {
    expect(selectRegistries({ entries: [A], registryType: 'public', region: undefined })).toEqual([
      { kind: 'public', region: 'us-east-1', partition: 'aws', host: 'public.ecr.aws' }
    ])
  })

  it('logs in to the default private registry of the region when there are no entries', () => {
    expect(selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })).toEqual([
      { kind: 'private', region: 'eu-west-1', partition: 'aws', fips: false, dualStack: false }
    ])
    expect(selectRegistries({ entries: [], registryType: 'private', region: 'cn-north-1' })).toEqual([
      { kind: 'private', region: 'cn-north-1', partition: 'aws-cn', fips: false, dualStack: false }
    ])
  })

  it('asks for aws-region when there are no entries and no region', () => {
    expect(() => selectRegistries({ entries: [], registryType: 'private', region: undefined })).toThrow(
      "aws-region: no region given. Set the 'aws-region' input (or the AWS_REGION environment variable) " +
        "to log in to your default registry, or list full registry hosts in 'registries'."
    )
  })

  it('logs in once to an account ID and its full host, and to the same host written twice', () => {
    const host = `${A}.dkr.ecr.eu-west-1.amazonaws.com`
    const registries = selectRegistries({
      entries: [A, host, `https://${host.toUpperCase()}/app`, `${B}.dkr.ecr.eu-west-1.amazonaws.com`],
      registryType: 'private',
      region: 'eu-west-1'
    })
    expect(registries.map(registry => registry.host)).toEqual([host, `${B}.dkr.ecr.eu-west-1.amazonaws.com`])
  })

  it('keeps the order of the entries', () => {
    const registries = selectRegistries({
      entries: ['public.ecr.aws', `${B}.dkr.ecr.us-east-1.amazonaws.com`, A],
      registryType: 'private',
      region: 'eu-west-1'
    })
    expect(registries.map(registry => registry.host)).toEqual([
      'public.ecr.aws',
      `${B}.dkr.ecr.us-east-1.amazonaws.com`,
      `${A}.dkr.ecr.eu-west-1.amazonaws.com`
    ])
  })

  it('does not need a region when every entry is a full host', () => {
    const registries = selectRegistries({
      entries: [`${A}.dkr.ecr.eu-west-1.amazonaws.com`, 'public.ecr.aws'],
      registryType: 'private',
      region: undefined
    })
    expect(registries).toHaveLength(2)
  })
})

describe('groupRegistries', () => {
  const parse = (entry: string): Registry => parseRegistry(entry, 'us-east-1')

  it('makes one group per partition, region, kind and endpoint variant', () => {
    const entries = [
      A,
      B,
      `${A}.dkr.ecr-fips.us-east-1.amazonaws.com`,
      `${A}.dkr-ecr.us-east-1.on.aws`,
      `${B}.dkr-ecr-fips.us-east-1.on.aws`,
      `${A}.dkr.ecr.eu-west-1.amazonaws.com`,
      `${A}.dkr.ecr.us-gov-west-1.amazonaws.com`,
      `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
      `${A}.dkr.ecr.eusc-de-east-1.amazonaws.eu`,
      'public.ecr.aws',
      `${B}.dkr-ecr.us-east-1.on.aws`
    ]
    const groups = groupRegistries(entries.map(parse))
    expect(groups.map(group => [group.key, group.kind, group.region, group.fips, group.dualStack])).toEqual([
      ['aws/us-east-1/private', 'private', 'us-east-1', false, false],
      ['aws/us-east-1/private/fips', 'private', 'us-east-1', true, false],
      ['aws/us-east-1/private/dualstack', 'private', 'us-east-1', false, true],
      ['aws/us-east-1/private/fips/dualstack', 'private', 'us-east-1', true, true],
      ['aws/eu-west-1/private', 'private', 'eu-west-1', false, false],
      ['aws-us-gov/us-gov-west-1/private', 'private', 'us-gov-west-1', false, false],
      ['aws-cn/cn-north-1/private', 'private', 'cn-north-1', false, false],
      ['aws-eusc/eusc-de-east-1/private', 'private', 'eusc-de-east-1', false, false],
      ['aws/us-east-1/public', 'public', 'us-east-1', false, false]
    ])
    expect(groups[0].registries.map(registry => registry.host)).toEqual([
      `${A}.dkr.ecr.us-east-1.amazonaws.com`,
      `${B}.dkr.ecr.us-east-1.amazonaws.com`
    ])
    expect(groups[2].registries.map(registry => registry.host)).toEqual([
      `${A}.dkr-ecr.us-east-1.on.aws`,
      `${B}.dkr-ecr.us-east-1.on.aws`
    ])
  })

  it('asks ECR Public for its dual-stack host in a call of its own (the dual-stack endpoint)', () => {
    const groups = groupRegistries([parse('public.ecr.aws'), parse(ECR_PUBLIC_DUALSTACK_HOST)])
    expect(groups.map(group => [group.key, group.kind, group.dualStack])).toEqual([
      ['aws/us-east-1/public', 'public', false],
      ['aws/us-east-1/public/dualstack', 'public', true]
    ])
  })

  it('keeps ECR Public apart from a private registry in the same region', () => {
    const groups = groupRegistries([parse('public.ecr.aws'), parse(A)])
    expect(groups.map(group => group.key)).toEqual(['aws/us-east-1/public', 'aws/us-east-1/private'])
  })

  it('puts the default registry in a group of its own region', () => {
    const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-central-1' })
    expect(groupRegistries([registry])).toEqual([
      {
        key: 'aws/eu-central-1/private',
        kind: 'private',
        region: 'eu-central-1',
        fips: false,
        dualStack: false,
        registries: [registry]
      }
    ])
  })

  it('makes no groups of no registries', () => {
    expect(groupRegistries([])).toEqual([])
  })
})
