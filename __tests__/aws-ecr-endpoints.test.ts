// Which API endpoint each registry host form gets its token from, through the SDK's real endpoint
// resolution, signing and (de)serialisation: only the socket is replaced, by a handler that records
// the request's host name and answers as ECR would.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { HttpResponse } from '@smithy/core/transport'
import type { HttpRequest } from '@smithy/types'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { fetchRegistryLogins } from '../src/aws-ecr.js'
import { groupRegistries, parseRegistry, type RegistryGroup } from '../src/registries.js'
import { ACCOUNT, callContext, ecrToken, fastRetry, PASSWORD } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const CREDENTIALS = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' }
const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_ECR',
  'AWS_ENDPOINT_URL_ECR_PUBLIC',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE'
]

interface Call {
  hostname: string
  target: string | undefined
}

let calls: Call[] = []
let dispose: () => void = () => undefined
let configDir: string | undefined

/** Answers GetAuthorizationToken as ECR (a list) or ECR Public (one object) does, recording where it went. */
function answerAsEcr(request: HttpRequest): { response: HttpResponse } {
  const target = request.headers['x-amz-target']
  calls.push({ hostname: request.hostname, target })
  const data = { authorizationToken: ecrToken(), expiresAt: 1893499200 }
  const body = target?.startsWith('SpencerFrontendService')
    ? { authorizationData: data }
    : { authorizationData: [{ ...data, proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com` }] }
  return {
    response: new HttpResponse({
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: Readable.from([Buffer.from(JSON.stringify(body))])
    })
  }
}

function group(entry: string): RegistryGroup {
  const groups = groupRegistries([parseRegistry(entry, undefined)])
  expect(groups).toHaveLength(1)
  return groups[0]
}

/** Logs in to one host; returns the API host names called. */
async function apiHostsFor(entry: string): Promise<string[]> {
  const made = callContext(fastRetry(1))
  dispose = made.dispose
  const target = group(entry)
  const logins = await fetchRegistryLogins(target, CREDENTIALS, made.context, true)
  expect(logins).toMatchObject([{ host: target.registries[0].host, username: 'AWS', password: PASSWORD }])
  return calls.map(call => call.hostname)
}

/** A shared config file with these lines, used as AWS_CONFIG_FILE. */
function sharedConfig(text: string): void {
  configDir = mkdtempSync(join(tmpdir(), 'ecr-login-endpoints-'))
  const file = join(configDir, 'config')
  writeFileSync(file, text)
  vi.stubEnv('AWS_CONFIG_FILE', file)
}

beforeEach(() => {
  core.resetCore()
  calls = []
  for (const name of ENDPOINT_VARIABLES) vi.stubEnv(name, undefined)
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/ecr-login-tests/config')
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/ecr-login-tests/credentials')
  vi.spyOn(NodeHttpHandler.prototype, 'handle').mockImplementation(request =>
    Promise.resolve(answerAsEcr(request as HttpRequest))
  )
})
afterEach(() => {
  dispose()
  if (configDir) rmSync(configDir, { recursive: true, force: true })
  configDir = undefined
})

const A = ACCOUNT

describe('the ECR API endpoint of each registry host form', () => {
  // Expected API hosts as AWS documents them (ECR's service endpoints) and as the SDK's ECR rules
  // resolve them; written out, not computed, so a change in either shows here.
  it.each([
    // aws
    [`${A}.dkr.ecr.us-east-1.amazonaws.com`, 'api.ecr.us-east-1.amazonaws.com'],
    [`${A}.dkr.ecr-fips.us-east-1.amazonaws.com`, 'api.ecr-fips.us-east-1.amazonaws.com'],
    [`${A}.dkr-ecr.us-east-1.on.aws`, 'ecr.us-east-1.api.aws'],
    [`${A}.dkr-ecr-fips.us-east-1.on.aws`, 'ecr-fips.us-east-1.api.aws'],
    [`${A}.dkr.ecr.eu-west-1.amazonaws.com`, 'api.ecr.eu-west-1.amazonaws.com'],
    // aws-us-gov
    [`${A}.dkr.ecr.us-gov-west-1.amazonaws.com`, 'api.ecr.us-gov-west-1.amazonaws.com'],
    [`${A}.dkr.ecr-fips.us-gov-west-1.amazonaws.com`, 'api.ecr-fips.us-gov-west-1.amazonaws.com'],
    [`${A}.dkr-ecr.us-gov-east-1.on.aws`, 'ecr.us-gov-east-1.api.aws'],
    [`${A}.dkr-ecr-fips.us-gov-east-1.on.aws`, 'ecr-fips.us-gov-east-1.api.aws'],
    // aws-cn
    [`${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`, 'api.ecr.cn-north-1.amazonaws.com.cn'],
    [`${A}.dkr.ecr-fips.cn-north-1.amazonaws.com.cn`, 'api.ecr-fips.cn-north-1.amazonaws.com.cn'],
    [`${A}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`, 'ecr.cn-north-1.api.amazonwebservices.com.cn'],
    [
      `${A}.dkr-ecr-fips.cn-northwest-1.on.amazonwebservices.com.cn`,
      'ecr-fips.cn-northwest-1.api.amazonwebservices.com.cn'
    ],
    // aws-eusc
    [`${A}.dkr.ecr.eusc-de-east-1.amazonaws.eu`, 'api.ecr.eusc-de-east-1.amazonaws.eu'],
    [`${A}.dkr.ecr-fips.eusc-de-east-1.amazonaws.eu`, 'api.ecr-fips.eusc-de-east-1.amazonaws.eu'],
    [`${A}.dkr-ecr.eusc-de-east-1.on.amazonwebservices.eu`, 'ecr.eusc-de-east-1.api.amazonwebservices.eu'],
    [`${A}.dkr-ecr-fips.eusc-de-east-1.on.amazonwebservices.eu`, 'ecr-fips.eusc-de-east-1.api.amazonwebservices.eu'],
    // aws-iso
    [`${A}.dkr.ecr.us-iso-east-1.c2s.ic.gov`, 'api.ecr.us-iso-east-1.c2s.ic.gov'],
    [`${A}.dkr.ecr-fips.us-iso-east-1.c2s.ic.gov`, 'api.ecr-fips.us-iso-east-1.c2s.ic.gov'],
    [`${A}.dkr-ecr.us-iso-west-1.on.aws.ic.gov`, 'ecr.us-iso-west-1.api.aws.ic.gov'],
    [`${A}.dkr-ecr-fips.us-iso-west-1.on.aws.ic.gov`, 'ecr-fips.us-iso-west-1.api.aws.ic.gov'],
    // aws-iso-b
    [`${A}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`, 'api.ecr.us-isob-east-1.sc2s.sgov.gov'],
    [`${A}.dkr.ecr-fips.us-isob-east-1.sc2s.sgov.gov`, 'api.ecr-fips.us-isob-east-1.sc2s.sgov.gov'],
    [`${A}.dkr-ecr.us-isob-east-1.on.aws.scloud`, 'ecr.us-isob-east-1.api.aws.scloud'],
    [`${A}.dkr-ecr-fips.us-isob-east-1.on.aws.scloud`, 'ecr-fips.us-isob-east-1.api.aws.scloud'],
    // aws-iso-e
    [`${A}.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk`, 'api.ecr.eu-isoe-west-1.cloud.adc-e.uk'],
    [`${A}.dkr.ecr-fips.eu-isoe-west-1.cloud.adc-e.uk`, 'api.ecr-fips.eu-isoe-west-1.cloud.adc-e.uk'],
    [`${A}.dkr-ecr.eu-isoe-west-1.on.cloud-aws.adc-e.uk`, 'ecr.eu-isoe-west-1.api.cloud-aws.adc-e.uk'],
    [`${A}.dkr-ecr-fips.eu-isoe-west-1.on.cloud-aws.adc-e.uk`, 'ecr-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk'],
    // aws-iso-f
    [`${A}.dkr.ecr.us-isof-south-1.csp.hci.ic.gov`, 'api.ecr.us-isof-south-1.csp.hci.ic.gov'],
    [`${A}.dkr.ecr-fips.us-isof-south-1.csp.hci.ic.gov`, 'api.ecr-fips.us-isof-south-1.csp.hci.ic.gov'],
    [`${A}.dkr-ecr.us-isof-south-1.on.aws.hci.ic.gov`, 'ecr.us-isof-south-1.api.aws.hci.ic.gov'],
    [`${A}.dkr-ecr-fips.us-isof-south-1.on.aws.hci.ic.gov`, 'ecr-fips.us-isof-south-1.api.aws.hci.ic.gov'],
    // ECR Public
    ['public.ecr.aws', 'api.ecr-public.us-east-1.amazonaws.com'],
    ['ecr-public.aws.com', 'ecr-public.us-east-1.api.aws']
  ])('gets the token for %s from %s', async (host, apiHost) => {
    await expect(apiHostsFor(host)).resolves.toEqual([apiHost])
  })

  it('asks ECR Public through its own API (SpencerFrontendService), ECR through ECR (AmazonEC2ContainerRegistry)', async () => {
    await apiHostsFor('public.ecr.aws')
    await apiHostsFor(`${A}.dkr.ecr.us-east-1.amazonaws.com`)
    expect(calls.map(call => call.target)).toEqual([
      'SpencerFrontendService.GetAuthorizationToken',
      'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'
    ])
  })
})

describe('the user’s endpoint settings', () => {
  it.each([
    ['AWS_USE_FIPS_ENDPOINT', `${A}.dkr.ecr.us-east-1.amazonaws.com`, 'api.ecr-fips.us-east-1.amazonaws.com'],
    ['AWS_USE_DUALSTACK_ENDPOINT', `${A}.dkr.ecr.us-east-1.amazonaws.com`, 'ecr.us-east-1.api.aws'],
    ['AWS_USE_DUALSTACK_ENDPOINT', `${A}.dkr.ecr-fips.us-east-1.amazonaws.com`, 'ecr-fips.us-east-1.api.aws'],
    ['AWS_USE_FIPS_ENDPOINT', `${A}.dkr-ecr.us-east-1.on.aws`, 'ecr-fips.us-east-1.api.aws'],
    ['AWS_USE_FIPS_ENDPOINT', 'public.ecr.aws', 'api.ecr-public-fips.us-east-1.amazonaws.com']
  ])('keeps %s=true for %s: the token comes from %s', async (variable, host, apiHost) => {
    vi.stubEnv(variable, 'true')
    await expect(apiHostsFor(host)).resolves.toEqual([apiHost])
  })

  it('keeps use_fips_endpoint from the shared config profile', async () => {
    sharedConfig('[default]\nuse_fips_endpoint = true\n')
    await expect(apiHostsFor(`${A}.dkr.ecr.us-east-1.amazonaws.com`)).resolves.toEqual([
      'api.ecr-fips.us-east-1.amazonaws.com'
    ])
  })
})

describe('a custom endpoint wins over the host form, and the login still happens', () => {
  const HOSTS = [
    `${A}.dkr.ecr.us-west-2.amazonaws.com`,
    `${A}.dkr.ecr-fips.us-west-2.amazonaws.com`,
    `${A}.dkr-ecr.us-west-2.on.aws`,
    `${A}.dkr-ecr-fips.us-west-2.on.aws`
  ]

  it.each(HOSTS)('AWS_ENDPOINT_URL_ECR serves %s', async host => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', 'https://vpce-0abc.api.ecr.us-west-2.vpce.amazonaws.com')
    await expect(apiHostsFor(host)).resolves.toEqual(['vpce-0abc.api.ecr.us-west-2.vpce.amazonaws.com'])
  })

  it.each(HOSTS)('AWS_ENDPOINT_URL serves %s', async host => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://localhost.localstack.cloud:4566')
    await expect(apiHostsFor(host)).resolves.toEqual(['localhost.localstack.cloud'])
  })

  it.each(HOSTS)('endpoint_url in the shared config profile serves %s', async host => {
    sharedConfig('[default]\nendpoint_url = https://ecr.internal.example\n')
    await expect(apiHostsFor(host)).resolves.toEqual(['ecr.internal.example'])
  })

  it.each(HOSTS)('a services section of the profile serves %s', async host => {
    sharedConfig(
      '[profile ci]\nservices = private-endpoints\n\n[services private-endpoints]\necr =\n  endpoint_url = https://ecr.vpc.example\n'
    )
    vi.stubEnv('AWS_PROFILE', 'ci')
    await expect(apiHostsFor(host)).resolves.toEqual(['ecr.vpc.example'])
  })

  it('AWS_ENDPOINT_URL_ECR_PUBLIC serves ecr-public.aws.com', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECR_PUBLIC', 'https://ecr-public.internal.example')
    await expect(apiHostsFor('ecr-public.aws.com')).resolves.toEqual(['ecr-public.internal.example'])
  })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true puts the host form back in charge', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_ECR', 'https://ecr.internal.example')
    vi.stubEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'true')
    await expect(apiHostsFor(`${A}.dkr-ecr-fips.us-west-2.on.aws`)).resolves.toEqual(['ecr-fips.us-west-2.api.aws'])
  })
})
