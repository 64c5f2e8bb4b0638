import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicTokenCommand } from '@aws-sdk/client-ecr-public'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { decodeAuthorizationToken, describeCall, describeEcrError, fetchRegistryLogins } from '../src/aws-ecr.js'
import { ActionError, errorShape } from '../src/errors.js'
import { groupRegistries, parseRegistry, type RegistryGroup, selectRegistries } from '../src/registries.js'
import { ACCOUNT, awsError, callContext, ecrToken, fastRetry, OTHER_ACCOUNT, PASSWORD } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const ecr = mockClient(ECRClient)
const ecrPublic = mockClient(ECRPUBLICClient)
const CREDENTIALS = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' }
const HOST_A = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const HOST_B = `${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
const EXPIRES = new Date('2030-01-01T12:00:00Z')
const PRINCIPAL_MESSAGE =
  'User: arn:aws:sts::123456789012:assumed-role/github-ci/gha-octo-org.app-42-1 is not authorized to perform: ' +
  'ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action'

let dispose: () => void = () => undefined

function group(...entries: string[]): RegistryGroup {
  const groups = groupRegistries(entries.map(entry => parseRegistry(entry, 'eu-west-1')))
  expect(groups).toHaveLength(1)
  return groups[0]
}

function fetch(target: RegistryGroup, maskPassword = true, maxAttempts = 3) {
  const made = callContext(fastRetry(maxAttempts))
  dispose = made.dispose
  return fetchRegistryLogins(target, CREDENTIALS, made.context, maskPassword)
}

async function failure(target: RegistryGroup, maxAttempts = 3): Promise<ActionError> {
  const error = await fetch(target, true, maxAttempts).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(ActionError)
  return error as ActionError
}

beforeEach(() => {
  core.resetCore()
  ecr.reset()
  ecrPublic.reset()
})
afterEach(() => dispose())

describe('describeCall', () => {
  it.each([
    [HOST_A, 'ECR GetAuthorizationToken in eu-west-1'],
    [`${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`, 'ECR GetAuthorizationToken in us-east-1 (FIPS)'],
    [`${ACCOUNT}.dkr-ecr.us-east-1.on.aws`, 'ECR GetAuthorizationToken in us-east-1 (dual-stack)'],
    [`${ACCOUNT}.dkr-ecr-fips.us-east-1.on.aws`, 'ECR GetAuthorizationToken in us-east-1 (FIPS, dual-stack)'],
    ['public.ecr.aws', 'ECR Public GetAuthorizationToken in us-east-1']
  ])('names the call for %s: %s', (host, text) => {
    expect(describeCall(group(host))).toBe(text)
  })
})

describe('fetchRegistryLogins for private registries', () => {
  it('asks once for every account of the group and gives each host its credentials', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        { authorizationToken: ecrToken('password-b'), proxyEndpoint: `https://${HOST_B}`, expiresAt: EXPIRES },
        { authorizationToken: ecrToken('password-a'), proxyEndpoint: `https://${HOST_A}`, expiresAt: EXPIRES }
      ]
    })
    await expect(fetch(group(HOST_A, OTHER_ACCOUNT))).resolves.toEqual([
      { host: HOST_A, username: 'AWS', password: 'password-a', expiresAt: EXPIRES },
      { host: HOST_B, username: 'AWS', password: 'password-b', expiresAt: EXPIRES }
    ])
    const calls = ecr.commandCalls(GetAuthorizationTokenCommand)
    expect(calls).toHaveLength(1)
    expect(calls[0].args[0].input).toEqual({ registryIds: [ACCOUNT, OTHER_ACCOUNT] })
    const client = calls[0].thisValue as ECRClient
    await expect(client.config.region()).resolves.toBe('eu-west-1')
    await expect(client.config.credentials()).resolves.toMatchObject(CREDENTIALS)
    expect(ecrPublic.calls()).toHaveLength(0)
  })

  it('masks every token and password before anything prints, and never the user name AWS', async () => {
    const tokenA = ecrToken('password-a')
    const tokenB = ecrToken('password-b')
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        { authorizationToken: tokenA, proxyEndpoint: `https://${HOST_A}` },
        { authorizationToken: tokenB, proxyEndpoint: `https://${HOST_B}` }
      ]
    })
    await fetch(group(HOST_A, HOST_B))
    expect(core.secrets()).toEqual([tokenA, tokenB, 'password-a', 'password-b'])
    expect(core.secrets()).not.toContain('AWS')
    expect(core.printed()).toEqual([])
  })

  it('masks the token but not the password when mask-password is false', async () => {
    const token = ecrToken()
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: token, proxyEndpoint: `https://${HOST_A}` }]
    })
    await expect(fetch(group(HOST_A), false)).resolves.toMatchObject([{ password: PASSWORD }])
    expect(core.secrets()).toEqual([token])
  })

  it('finds the default registry from the proxy endpoint ECR answers with', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: `https://${HOST_A}`, expiresAt: EXPIRES }]
    })
    const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })
    await expect(fetch(groupRegistries([registry])[0])).resolves.toEqual([
      { host: HOST_A, username: 'AWS', password: PASSWORD, expiresAt: EXPIRES }
    ])
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0].args[0].input).toEqual({})
  })

  it.each([
    [`https://${HOST_A}\n::stop-commands::pwn`, `https://${HOST_A}\\n::stop-commands::pwn`],
    [`https://${HOST_A}\r::add-mask::x`, `https://${HOST_A}\\r::add-mask::x`],
    ['https://registry.example.com', 'https://registry.example.com'],
    [`https://${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.evil.example`, `https://${HOST_A}.evil.example`],
    ['https://localhost:4566##[stop-commands]x', 'https://localhost:4566##\\[stop-commands]x']
  ])(
    'refuses a default registry whose proxy endpoint %j is no ECR host, quoting it escaped',
    async (endpoint, shown) => {
      ecr.on(GetAuthorizationTokenCommand).resolves({
        authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: endpoint }]
      })
      const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })
      const error = await failure(groupRegistries([registry])[0])
      expect(error.message).toBe(
        `ECR GetAuthorizationToken in eu-west-1 named the registry '${shown}', which is not an ECR registry host. ` +
          `If AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL points at a service that is not ECR, correct or unset it; ` +
          `or list your registry's host in 'registries'.`
      )
      // The token was masked all the same.
      expect(core.secrets()).toContain(ecrToken())
    }
  )

  it.each([
    [`http://${ACCOUNT}.dkr-ecr.eu-west-1.on.aws/`, `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`],
    [`${ACCOUNT}.DKR.ECR.eu-west-1.amazonaws.com`, HOST_A]
  ])('takes the host of a proxy endpoint %j as registries would: %s', async (endpoint, host) => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: endpoint }]
    })
    const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })
    await expect(fetch(groupRegistries([registry])[0])).resolves.toMatchObject([{ host }])
  })

  it('uses the one token for every account when ECR answers once', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: `https://${HOST_A}` }]
    })
    const logins = await fetch(group(HOST_A, HOST_B))
    expect(logins.map(login => [login.host, login.password])).toEqual([
      [HOST_A, PASSWORD],
      [HOST_B, PASSWORD]
    ])
  })

  // Which endpoint each host form reaches: ecr-endpoints.test.ts, through the SDK's real endpoint resolution.

  it('names ecr:GetAuthorizationToken and quotes the principal AWS names when access is denied', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError('AccessDeniedException', PRINCIPAL_MESSAGE))
    const error = await failure(group(HOST_A))
    expect(error.message).toBe(
      `ECR GetAuthorizationToken in eu-west-1 was refused (AccessDeniedException: ${PRINCIPAL_MESSAGE}). Grant ` +
        `the principal named there 'ecr:GetAuthorizationToken' on Resource "*" in an identity-based policy. ` +
        `Not logged in to ${HOST_A}.`
    )
    expect(ecr.calls()).toHaveLength(1)
    // AWS's own error stays attached, for the retry decision and a debugger.
    expect(errorShape(error.cause).name).toBe('AccessDeniedException')
  })

  it.each(['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'])(
    'says the credentials were rejected for %s',
    async name => {
      ecr
        .on(GetAuthorizationTokenCommand)
        .rejects(awsError(name, 'The security token included in the request is invalid.'))
      const { message } = await failure(group(HOST_A))
      expect(message).toBe(
        `ECR GetAuthorizationToken in eu-west-1: AWS rejected the credentials (${name}: The security token ` +
          'included in the request is invalid.). Check that they are current, complete and belong to the ' +
          `partition of eu-west-1. Not logged in to ${HOST_A}.`
      )
      expect(ecr.calls()).toHaveLength(1)
    }
  )

  it('retries throttling and succeeds', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: `https://${HOST_A}` }] })
    await expect(fetch(group(HOST_A))).resolves.toMatchObject([{ host: HOST_A, password: PASSWORD }])
    expect(ecr.calls()).toHaveLength(2)
    expect(core.printed()).toEqual([
      expect.stringMatching(
        /^ECR GetAuthorizationToken in eu-west-1 is throttled \(ThrottlingException: Rate exceeded\); retrying /
      ),
      expect.stringMatching(/^ECR GetAuthorizationToken in eu-west-1 went through after 1 throttled attempt\(s\)/)
    ])
  })

  it('names the call and retry-max-attempts when ECR stays unavailable', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError('ServerException', 'Internal error', 500))
    const { message } = await failure(group(HOST_A), 2)
    expect(message).toBe(
      'ECR GetAuthorizationToken in eu-west-1 failed 2 time(s) with a transient error, the last: ServerException: Internal error. ' +
        "Try again later, or raise 'retry-max-attempts'. " +
        `Not logged in to ${HOST_A}.`
    )
    expect(ecr.calls()).toHaveLength(2)
  })

  it('fails, naming the host, when ECR sends no token', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] })
    expect((await failure(group(HOST_A))).message).toBe(
      `ECR GetAuthorizationToken in eu-west-1 returned no authorization token for ${HOST_A}.`
    )
  })

  it('fails, masking nothing, when ECR answers for the host without a token', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ proxyEndpoint: `https://${HOST_A}` }] })
    expect((await failure(group(HOST_A))).message).toBe(
      `ECR GetAuthorizationToken in eu-west-1 returned no authorization token for ${HOST_A}.`
    )
    expect(core.setSecret).not.toHaveBeenCalled()
  })

  it.each([
    ['with no scheme', `${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`],
    ['over http', `http://${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`]
  ])('matches each account to its answer by the endpoint’s first label, %s', async (_label, endpointB) => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        // No endpoint, one that names no account, and one whose first label is 13 digits: none is B's.
        { authorizationToken: ecrToken('password-x') },
        { authorizationToken: ecrToken('password-y'), proxyEndpoint: 'https://registry.example.com' },
        {
          authorizationToken: ecrToken('password-z'),
          proxyEndpoint: `https://9${OTHER_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`
        },
        { authorizationToken: ecrToken('password-b'), proxyEndpoint: endpointB }
      ]
    })
    const logins = await fetch(group(HOST_B))
    expect(logins.map(login => [login.host, login.password])).toEqual([[HOST_B, 'password-b']])
  })

  it('gives the default registry ECR’s first answer', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        { authorizationToken: ecrToken('password-a'), proxyEndpoint: `https://${HOST_A}` },
        { authorizationToken: ecrToken('password-x'), proxyEndpoint: 'https://registry.example.com' }
      ]
    })
    const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })
    const logins = await fetch(groupRegistries([registry])[0])
    expect(logins.map(login => [login.host, login.password])).toEqual([[HOST_A, 'password-a']])
  })

  it('fails for the default registry when ECR sends nothing', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({})
    const [registry] = selectRegistries({ entries: [], registryType: 'private', region: 'eu-west-1' })
    expect((await failure(groupRegistries([registry])[0])).message).toBe(
      'ECR GetAuthorizationToken in eu-west-1 returned no authorization token for the default registry.'
    )
  })

  it('masks a malformed token and does not quote it', async () => {
    const token = Buffer.from('no-colon-here').toString('base64')
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: token, proxyEndpoint: `https://${HOST_A}` }]
    })
    const { message } = await failure(group(HOST_A))
    expect(message).toBe(`ECR sent an authorization token for ${HOST_A} that is not base64 of user:password.`)
    expect(core.secrets()).toEqual([token])
  })
})

describe('fetchRegistryLogins for ECR Public', () => {
  it('asks ECR Public in us-east-1 and logs in to public.ecr.aws', async () => {
    const token = ecrToken()
    ecrPublic
      .on(GetPublicTokenCommand)
      .resolves({ authorizationData: { authorizationToken: token, expiresAt: EXPIRES } })
    await expect(fetch(group('public.ecr.aws'))).resolves.toEqual([
      { host: 'public.ecr.aws', username: 'AWS', password: PASSWORD, expiresAt: EXPIRES }
    ])
    const calls = ecrPublic.commandCalls(GetPublicTokenCommand)
    expect(calls).toHaveLength(1)
    expect(calls[0].args[0].input).toEqual({})
    await expect((calls[0].thisValue as ECRPUBLICClient).config.region()).resolves.toBe('us-east-1')
    expect(ecr.calls()).toHaveLength(0)
    expect(core.secrets()).toEqual([token, PASSWORD])
  })

  it('names both permissions ECR Public needs when access is denied', async () => {
    ecrPublic.on(GetPublicTokenCommand).rejects(awsError('AccessDeniedException', 'User: x is not authorized'))
    expect((await failure(group('public.ecr.aws'))).message).toBe(
      'ECR Public GetAuthorizationToken in us-east-1 was refused (AccessDeniedException: User: x is not ' +
        "authorized). Grant the principal named there 'ecr-public:GetAuthorizationToken' and " +
        `'sts:GetServiceBearerToken' on Resource "*" in an identity-based policy. Not logged in to public.ecr.aws.`
    )
  })

  it('fails when ECR Public sends no token', async () => {
    ecrPublic.on(GetPublicTokenCommand).resolves({})
    expect((await failure(group('public.ecr.aws'))).message).toBe(
      'ECR Public GetAuthorizationToken in us-east-1 returned no authorization token for public.ecr.aws.'
    )
  })
})

describe('fetchRegistryLogins and the shared agents', () => {
  it('never destroys its clients, whose agents the other calls share', async () => {
    const destroyPrivate = vi.spyOn(ECRClient.prototype, 'destroy')
    const destroyPublic = vi.spyOn(ECRPUBLICClient.prototype, 'destroy')
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: `https://${HOST_A}` }]
    })
    ecrPublic.on(GetPublicTokenCommand).resolves({ authorizationData: { authorizationToken: ecrToken() } })
    await fetch(group(HOST_A))
    await fetch(group('public.ecr.aws'))
    ecr.on(GetAuthorizationTokenCommand).rejects(awsError('AccessDeniedException', 'no'))
    await failure(group(HOST_A))
    expect(destroyPrivate).not.toHaveBeenCalled()
    expect(destroyPublic).not.toHaveBeenCalled()
  })
})

describe('describeEcrError', () => {
  it('quotes an unexpected error with the call', () => {
    expect(describeEcrError(awsError('InvalidParameterException', 'Invalid registry ID'), group(HOST_A))).toBe(
      'ECR GetAuthorizationToken in eu-west-1 failed (InvalidParameterException: Invalid registry ID).'
    )
  })
})

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const base64 = (text: string): string => Buffer.from(text).toString('base64')

describe('decodeAuthorizationToken', () => {
  it.each([
    ['AWS:secret-password', 'AWS', 'secret-password'],
    ['AWS:pass:with:colons', 'AWS', 'pass:with:colons'],
    ['AWS:eyJwYXlsb2FkIjoiYWJjIn0=', 'AWS', 'eyJwYXlsb2FkIjoiYWJjIn0='],
    ['user@example:p', 'user@example', 'p']
  ])('splits base64 of %j into user %j and password %j', (text, username, password) => {
    expect(decodeAuthorizationToken(base64(text), HOST)).toEqual({ username, password })
  })

  it.each([
    ['not base64 at all!', 'not base64'],
    ['', 'empty'],
    [base64('AWSpassword'), 'no colon'],
    [base64(':password'), 'no user name'],
    [base64('AWS:'), 'no password'],
    [`${base64('AWS:secret')}\n`, 'a trailing newline']
  ])('refuses %j (%s) without quoting the token', token => {
    let caught: unknown
    try {
      decodeAuthorizationToken(token, HOST)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ActionError)
    const { message } = caught as ActionError
    expect(message).toBe(`ECR sent an authorization token for ${HOST} that is not base64 of user:password.`)
    if (token.trim()) expect(message).not.toContain(token.trim())
    expect(message).not.toContain('password:')
  })
})
