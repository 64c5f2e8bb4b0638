// registries.ts reads what a partition offers from the AWS SDK's partitions data. Today every
// partition has FIPS and dual-stack endpoints at `api.<domain>`; these tests give the SDK a
// partition that does not, as a future SDK release may, and check that no host is made up for it.
import type * as SdkClient from '@aws-sdk/core/client'
import { describe, expect, it, vi } from 'vitest'
import { InputError } from '../src/errors.js'
import { parseRegistry, partitionOf } from '../src/registries.js'

vi.mock('@aws-sdk/core/client', async importOriginal => {
  const sdk = await importOriginal<typeof SdkClient>()
  // Real answers, changed for three regions of the aws partition.
  const changed: Record<string, object> = {
    'eu-west-1': { supportsDualStack: false },
    'eu-west-2': { dualStackDnsSuffix: 'dualstack.example' },
    'eu-west-3': { supportsFIPS: false }
  }
  return { ...sdk, partition: (region: string) => ({ ...sdk.partition(region), ...changed[region] }) }
})

const A = '123456789012'

describe('a partition the SDK says less of', () => {
  it('has no dual-stack registry domain without dual-stack support', () => {
    expect(partitionOf('eu-west-1')).toMatchObject({ name: 'aws', dnsSuffix: 'amazonaws.com' })
    expect(partitionOf('eu-west-1')?.dualStackSuffix).toBeUndefined()
    expect(() => parseRegistry(`${A}.dkr-ecr.eu-west-1.on.aws`, undefined)).toThrow(InputError)
  })

  it('has no dual-stack registry domain when its dual-stack APIs are not at api.<domain>', () => {
    expect(partitionOf('eu-west-2')?.dualStackSuffix).toBeUndefined()
    expect(() => parseRegistry(`${A}.dkr-ecr.eu-west-2.on.aws`, undefined)).toThrow(InputError)
    expect(() => parseRegistry(`${A}.dkr-ecr.eu-west-2.on.stack.example`, undefined)).toThrow(InputError)
  })

  it('has no FIPS registry without FIPS support, and keeps its standard one', () => {
    expect(() => parseRegistry(`${A}.dkr.ecr-fips.eu-west-3.amazonaws.com`, undefined)).toThrow(InputError)
    expect(parseRegistry(`${A}.dkr.ecr.eu-west-3.amazonaws.com`, undefined)).toMatchObject({ fips: false })
  })

  it('still has both in the partitions the SDK says nothing new of', () => {
    expect(parseRegistry(`${A}.dkr-ecr-fips.us-east-1.on.aws`, undefined)).toMatchObject({
      fips: true,
      dualStack: true
    })
  })
})
