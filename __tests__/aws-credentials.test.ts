import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type * as CredentialProviderNode from '@aws-sdk/credential-provider-node'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { describeSource, NO_CREDENTIALS_HELP } from '../src/aws-credentials.js'
import { awsCredentials } from '../src/main.js'
import { ActionError } from '../src/errors.js'
import type { Inputs } from '../src/inputs.js'
import { parseRegistry } from '../src/registries.js'
import {
  callContext,
  ENV_CREDENTIALS,
  fakeJwt,
  fastRetry,
  GITHUB_CLAIMS,
  stubEnvCredentials,
  stubNoAmbientCredentials
} from './fixtures/aws.js'
import { startTokenServer, tokenAnswer } from './fixtures/token-server.js'

// The real default chain, unless a test puts a provider in its place.
const chain = vi.hoisted(() => ({ provider: undefined as undefined | (() => Promise<unknown>) }))
vi.mock('@aws-sdk/credential-provider-node', async importOriginal => {
  const actual = await importOriginal<typeof CredentialProviderNode>()
  return {
    ...actual,
    defaultProvider: vi.fn(
      (init?: Parameters<typeof actual.defaultProvider>[0]) => chain.provider ?? actual.defaultProvider(init)
    )
  }
})
vi.mock('@actions/core', () => import('./fixtures/core.js'))

const sts = mockClient(STSClient)
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'

function inputs(overrides: Partial<Inputs> = {}): Inputs {
  return {
    region: 'eu-west-1',
    registries: [parseRegistry(HOST, undefined)],
    maskPassword: true,
    logout: true,
    retryMaxAttempts: 3,
    proxy: {},
    timeoutSeconds: 30,
    dockerConfig: 'default',
    credentialHelper: false,
    ...overrides
  }
}

let dispose: () => void = () => undefined

/** The credentials main would use for these inputs (awsCredentials in src/main.ts). */
function resolve(given: Inputs, timeoutSeconds = 30, timeout?: AbortSignal) {
  const made = callContext(fastRetry(given.retryMaxAttempts), timeoutSeconds, timeout)
  dispose = made.dispose
  return { context: made.context, credentials: awsCredentials(given, made.context) }
}

beforeEach(() => {
  core.resetCore()
  sts.reset()
  chain.provider = undefined
})
afterEach(() => {
  dispose()
  vi.useRealTimers()
})

describe('credentials from the default chain', () => {
  it('uses credentials from the environment, masks the secret parts and says where they came from', async () => {
    stubEnvCredentials()
    await expect(resolve(inputs()).credentials).resolves.toMatchObject(ENV_CREDENTIALS)
    expect(core.secrets()).toEqual([ENV_CREDENTIALS.secretAccessKey, ENV_CREDENTIALS.sessionToken])
    expect(core.printed()).toEqual(['Using AWS credentials from environment variables'])
    expect(sts.calls()).toHaveLength(0)
  })

  it('masks the credentials before it prints anything', async () => {
    stubEnvCredentials()
    await resolve(inputs()).credentials
    expect(core.indexOf(event => event.what === 'setSecret')).toBe(0)
  })

  it('explains every way to provide credentials when there are none', async () => {
    stubNoAmbientCredentials()
    const error = await resolve(inputs()).credentials.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as ActionError).message).toBe(NO_CREDENTIALS_HELP)
    expect((error as ActionError).cause).toMatchObject({ name: 'CredentialsProviderError' })
    expect(NO_CREDENTIALS_HELP).toContain('role-to-assume')
    expect(NO_CREDENTIALS_HELP).toContain("'permissions: id-token: write'")
    expect(NO_CREDENTIALS_HELP).toContain('aws-actions/configure-aws-credentials')
    expect(core.setSecret).not.toHaveBeenCalled()
  })

  it('quotes any other failure of the chain', async () => {
    chain.provider = () => Promise.reject(new Error('credential_process exited with code 1'))
    const error = await resolve(inputs()).credentials.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as ActionError).message).toBe('Could not load AWS credentials: credential_process exited with code 1')
  })

  it('names the credential chain when the deadline passes while it is still looking', async () => {
    let looking = false
    chain.provider = () => {
      looking = true
      return new Promise(() => undefined)
    }
    const timeout = new AbortController()
    const { context, credentials } = resolve(inputs(), 2, timeout.signal)
    const settled = context.deadline.race(credentials).catch((caught: unknown) => caught)
    await vi.waitFor(() => expect(looking).toBe(true))
    timeout.abort()
    expect(((await settled) as Error).message).toMatch(
      /^Timed out after 2 s \(timeout-seconds\) while waiting for the AWS SDK credential chain\./
    )
  })
})

describe('credentials with role-to-assume', () => {
  const ISSUED = {
    AccessKeyId: 'ASIAOIDC',
    SecretAccessKey: 'oidc-secret',
    SessionToken: 'oidc-session',
    Expiration: new Date('2030-01-01T00:15:00Z')
  }
  const webIdentity = {
    roleArn: 'arn:aws:iam::123456789012:role/github-ci',
    audience: 'sts.amazonaws.com',
    sessionName: 'gha-test',
    durationSeconds: 900
  }

  async function withTokenService<T>(work: () => Promise<T>): Promise<T> {
    const server = await startTokenServer(() => tokenAnswer(fakeJwt(GITHUB_CLAIMS)))
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'request-token')
    try {
      return await work()
    } finally {
      await server.close()
    }
  }

  it('assumes the role in aws-region and ignores ambient credentials', async () => {
    stubEnvCredentials()
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: ISSUED })
    const credentials = await withTokenService(
      () => resolve(inputs({ webIdentity, region: 'eu-central-1' })).credentials
    )
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAOIDC', secretAccessKey: 'oidc-secret' })
    const [call] = sts.commandCalls(AssumeRoleWithWebIdentityCommand)
    expect(call.args[0].input).toMatchObject({ RoleArn: webIdentity.roleArn, RoleSessionName: 'gha-test' })
    await expect((call.thisValue as STSClient).config.region()).resolves.toBe('eu-central-1')
  })

  it("uses the first registry's region for STS when aws-region is not set", async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: ISSUED })
    const registries = [
      parseRegistry('123456789012.dkr.ecr.us-gov-west-1.amazonaws.com', undefined),
      parseRegistry(HOST, undefined)
    ]
    await withTokenService(() => resolve(inputs({ webIdentity, region: undefined, registries })).credentials)
    const [call] = sts.commandCalls(AssumeRoleWithWebIdentityCommand)
    await expect((call.thisValue as STSClient).config.region()).resolves.toBe('us-gov-west-1')
  })
})

describe('describeSource', () => {
  it.each([
    [{ CREDENTIALS_ENV_VARS: 'g' }, 'environment variables'],
    [
      { CREDENTIALS_PROFILE: 'n', CREDENTIALS_STS_ASSUME_ROLE: 'i' },
      'a shared config profile, a role assumed by a profile'
    ],
    [{ CREDENTIALS_PROCESS: 'w', CREDENTIALS_PROFILE_PROCESS: 'v' }, 'a credential process'],
    [{ CREDENTIALS_HTTP: 'z' }, 'the container credentials endpoint (ECS/EKS)'],
    [{ CREDENTIALS_IMDS: '0' }, "the AWS SDK's default credential chain"],
    [{}, "the AWS SDK's default credential chain"]
  ])('describes $source %j as %s', (source, text) => {
    expect(describeSource({ accessKeyId: 'a', secretAccessKey: 'b', $source: source })).toBe(text)
  })

  it('falls back to the chain when the credentials carry no source', () => {
    expect(describeSource({ accessKeyId: 'a', secretAccessKey: 'b' })).toBe("the AWS SDK's default credential chain")
  })
})
