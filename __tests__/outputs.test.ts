import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import type { RegistryLogin } from '../src/aws-ecr.js'
import { credentialOutputName, earliestExpiry, setLoginOutputs } from '../src/outputs.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const HOST_A = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const HOST_B = '210987654321.dkr-ecr-fips.us-east-1.on.aws'

function login(host: string, expiresAt?: string): RegistryLogin {
  return {
    host,
    username: 'AWS',
    password: `password-of-${host}`,
    expiresAt: expiresAt ? new Date(expiresAt) : undefined
  }
}

beforeEach(() => core.resetCore())

describe('credentialOutputName', () => {
  it.each([
    ['username', HOST_A, 'docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com'],
    ['password', HOST_A, 'docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com'],
    ['password', HOST_B, 'docker_password_210987654321_dkr_ecr_fips_us_east_1_on_aws'],
    ['username', 'public.ecr.aws', 'docker_username_public_ecr_aws'],
    [
      'password',
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
      'docker_password_123456789012_dkr_ecr_cn_north_1_amazonaws_com_cn'
    ]
  ] as const)('names the %s output of %s %s', (kind, host, name) => {
    expect(credentialOutputName(kind, host)).toBe(name)
  })
})

describe('earliestExpiry', () => {
  it('is undefined when no token says when it expires', () => {
    expect(earliestExpiry([])).toBeUndefined()
    expect(earliestExpiry([login(HOST_A)])).toBeUndefined()
  })

  it('is the earliest expiry among the logins', () => {
    const logins = [
      login(HOST_A, '2030-01-01T12:00:00.000Z'),
      login(HOST_B),
      login('public.ecr.aws', '2030-01-01T06:30:00.000Z')
    ]
    expect(earliestExpiry(logins)?.toISOString()).toBe('2030-01-01T06:30:00.000Z')
  })
})

describe('setLoginOutputs', () => {
  it('sets registry, registries, the credentials and expires-at for one login', () => {
    setLoginOutputs([login(HOST_A, '2030-01-01T12:00:00.000Z')])
    expect(core.outputs()).toEqual({
      registry: HOST_A,
      registries: HOST_A,
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: `password-of-${HOST_A}`,
      'expires-at': '2030-01-01T12:00:00.000Z'
    })
  })

  it('leaves registry unset for several logins and lists them comma-separated in order', () => {
    setLoginOutputs([login(HOST_B, '2030-01-02T00:00:00.000Z'), login(HOST_A, '2030-01-01T00:00:00.000Z')])
    expect(core.outputs()).toEqual({
      registries: `${HOST_B},${HOST_A}`,
      docker_username_210987654321_dkr_ecr_fips_us_east_1_on_aws: 'AWS',
      docker_password_210987654321_dkr_ecr_fips_us_east_1_on_aws: `password-of-${HOST_B}`,
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: `password-of-${HOST_A}`,
      'expires-at': '2030-01-01T00:00:00.000Z'
    })
  })

  it('sets no expires-at when no token has an expiry', () => {
    setLoginOutputs([login(HOST_A)])
    expect(core.outputs()).not.toHaveProperty('expires-at')
  })

  it('sets only an empty registries output when nothing was logged in to', () => {
    setLoginOutputs([])
    expect(core.setOutput).toHaveBeenCalledExactlyOnceWith('registries', '')
  })

  it('neither masks nor prints anything itself', () => {
    setLoginOutputs([login(HOST_A)])
    expect(core.setSecret).not.toHaveBeenCalled()
    expect(core.printed()).toEqual([])
  })
})

describe('setLoginOutputs with credential-helper', () => {
  it('sets no password output, says so once, and keeps the user names', () => {
    setLoginOutputs([login(HOST_A), login(HOST_B)], false)
    expect(core.outputs()).toEqual({
      registries: `${HOST_A},${HOST_B}`,
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_username_210987654321_dkr_ecr_fips_us_east_1_on_aws: 'AWS'
    })
    expect(core.info).toHaveBeenCalledExactlyOnceWith(
      'credential-helper: the docker_password_* outputs are not set; the passwords stay in the agent.'
    )
  })
})
