import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { ACCOUNT, awsError, fakeJwt, GITHUB_CLAIMS, OTHER_ACCOUNT, stubNoAmbientCredentials } from './fixtures/aws.js'
import { startTokenServer, tokenAnswer } from './fixtures/token-server.js'
import type { RenewalPlan } from '../src/credential-handover.js'
import { renewLogins } from '../src/credential-renewal.js'
import { groupRegistries, parseRegistry } from '../src/registries.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const ecr = mockClient(ECRClient)
const sts = mockClient(STSClient)
const EU = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const US = `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
const EXPIRES = new Date('2030-01-01T12:00:00.000Z')

function plan(overrides: Partial<RenewalPlan> = {}): RenewalPlan {
  return {
    groups: groupRegistries([parseRegistry(EU, undefined), parseRegistry(US, undefined)]),
    stsRegion: 'eu-west-1',
    awsEnv: {},
    proxy: {},
    retryMaxAttempts: 1,
    timeoutSeconds: 10,
    ...overrides
  }
}

function ecrAnswers(): void {
  ecr.on(GetAuthorizationTokenCommand).callsFake(async (input: { registryIds?: string[] }, getClient) => {
    const region = await getClient().config.region()
    const id = input.registryIds?.[0] ?? ACCOUNT
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:renewed-${id}-${region}`).toString('base64'),
          proxyEndpoint: `https://${id}.dkr.ecr.${region}.amazonaws.com`,
          expiresAt: EXPIRES
        }
      ]
    }
  })
}

async function credentialsOfCall(index: number): Promise<unknown> {
  const client = ecr.commandCalls(GetAuthorizationTokenCommand)[index].thisValue as ECRClient
  return client.config.credentials()
}

beforeEach(() => {
  core.resetCore()
  ecr.reset()
  sts.reset()
  stubNoAmbientCredentials()
  ecrAnswers()
})

describe('renewLogins', () => {
  it('gets new logins for every group with the credentials main found, while they are valid', async () => {
    const credentials = { accessKeyId: 'AKIA', secretAccessKey: 'handed-over', expiration: '2999-01-01T00:00:00Z' }
    const renewal = await renewLogins(plan({ credentials }))
    expect(renewal.failures).toEqual([])
    expect(renewal.logins.sort((a, b) => a.host.localeCompare(b.host))).toEqual([
      { host: EU, username: 'AWS', password: `renewed-${ACCOUNT}-eu-west-1`, expiresAt: EXPIRES.getTime() },
      { host: US, username: 'AWS', password: `renewed-${OTHER_ACCOUNT}-us-east-1`, expiresAt: EXPIRES.getTime() }
    ])
    await expect(credentialsOfCall(0)).resolves.toMatchObject({ accessKeyId: 'AKIA', secretAccessKey: 'handed-over' })
    // Masked in the agent too, for whatever may print them.
    expect(core.secrets()).toContain(`renewed-${ACCOUNT}-eu-west-1`)
  })

  it('asks the SDK’s chain again, with the AWS_* variables main saw, once those credentials are about to expire', async () => {
    const credentials = { accessKeyId: 'AKIAOLD', secretAccessKey: 'old', expiration: new Date().toISOString() }
    const awsEnv = { AWS_ACCESS_KEY_ID: 'AKIANEW', AWS_SECRET_ACCESS_KEY: 'from-the-chain' }
    const renewal = await renewLogins(plan({ credentials, awsEnv }))
    expect(renewal.failures).toEqual([])
    await expect(credentialsOfCall(0)).resolves.toMatchObject({
      accessKeyId: 'AKIANEW',
      secretAccessKey: 'from-the-chain'
    })
  })

  it('with role-to-assume: a new OIDC token from the job’s request, then STS, then ECR', async () => {
    const jwt = fakeJwt(GITHUB_CLAIMS)
    const server = await startTokenServer(() => tokenAnswer(jwt))
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIARENEW',
        SecretAccessKey: 'renewed-secret',
        SessionToken: 'renewed-session',
        Expiration: new Date('2030-01-01T00:15:00Z')
      }
    })
    const settings = {
      roleArn: 'arn:aws:iam::123456789012:role/ci',
      audience: 'sts.amazonaws.com',
      sessionName: 'gha-octo',
      durationSeconds: 900
    }
    try {
      const renewal = await renewLogins(
        plan({ webIdentity: { settings, request: { url: server.url, requestToken: 'job-request-token' } } })
      )
      expect(renewal.failures).toEqual([])
      expect(server.requests.map(request => [request.headers.authorization, request.query.get('audience')])).toEqual([
        ['Bearer job-request-token', 'sts.amazonaws.com']
      ])
    } finally {
      await server.close()
    }
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0].args[0].input).toMatchObject({
      RoleArn: settings.roleArn,
      WebIdentityToken: jwt
    })
    await expect(credentialsOfCall(0)).resolves.toMatchObject({ accessKeyId: 'ASIARENEW' })
  })

  it('names each group it could not renew, in words that fit a renewal; the others are renewed', async () => {
    ecr
      .on(GetAuthorizationTokenCommand, { registryIds: [OTHER_ACCOUNT] })
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: ecr:GetAuthorizationToken'))
    const credentials = { accessKeyId: 'AKIA', secretAccessKey: 's' }
    const renewal = await renewLogins(plan({ credentials }))
    expect(renewal.logins.map(login => login.host)).toEqual([EU])
    expect(renewal.failures).toHaveLength(1)
    expect(renewal.failures[0]).toMatch(/^ECR GetAuthorizationToken in us-east-1 was refused \(AccessDeniedException/)
    expect(renewal.failures[0]).not.toContain('Not logged in')
  })

  it('names the credentials it could not get', async () => {
    const renewal = await renewLogins(plan())
    expect(renewal.logins).toEqual([])
    expect(renewal.failures).toEqual([expect.stringMatching(/^No AWS credentials found/)])
  })
})
