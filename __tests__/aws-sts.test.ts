import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { ActionError } from '../src/errors.js'
import type { WebIdentitySettings } from '../src/inputs.js'
import { MISSING_TOKEN_HELP } from '../src/github-oidc.js'
import { awsCredentials } from '../src/main.js'
import type { Inputs } from '../src/inputs.js'
import { decodeClaims, describeStsError } from '../src/aws-sts.js'
import { callContext, fakeJwt, fastRetry, GITHUB_CLAIMS, stsError } from './fixtures/aws.js'
import { startTokenServer, tokenAnswer, type TokenServer } from './fixtures/token-server.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const sts = mockClient(STSClient)
const JWT = fakeJwt(GITHUB_CLAIMS)
const REQUEST_TOKEN = 'runtime-request-token-0123456789'
const SETTINGS: WebIdentitySettings = {
  roleArn: 'arn:aws:iam::123456789012:role/github-ci',
  audience: 'sts.amazonaws.com',
  sessionName: 'gha-octo-org.app-42-1',
  durationSeconds: 900
}
const ISSUED = {
  AccessKeyId: 'ASIAEXAMPLEKEY',
  SecretAccessKey: 'issued-secret-key',
  SessionToken: 'issued-session-token',
  Expiration: new Date('2030-01-01T00:15:00Z')
}

let server: TokenServer
let dispose: () => void = () => undefined

/** The OIDC path end to end, as main takes it: token request, then STS (awsCredentials in src/main.ts). */
async function assume(settings = SETTINGS, maxAttempts = 3) {
  const made = callContext(fastRetry(maxAttempts))
  dispose = made.dispose
  const inputs = { webIdentity: settings, region: 'eu-west-1', registries: [] } as unknown as Inputs
  return awsCredentials(inputs, made.context)
}

async function failure(settings = SETTINGS, maxAttempts = 3): Promise<ActionError> {
  const error = await assume(settings, maxAttempts).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(ActionError)
  return error as ActionError
}

beforeEach(async () => {
  core.resetCore()
  sts.reset()
  server = await startTokenServer(() => tokenAnswer(JWT))
  vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
  vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', REQUEST_TOKEN)
})
afterEach(async () => {
  dispose()
  await server.close()
})

describe('assumeRoleWithWebIdentity', () => {
  it("assumes the role with GitHub's token for the audience and returns masked credentials", async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      Credentials: ISSUED,
      AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/github-ci/gha', AssumedRoleId: 'AROA:gha' }
    })
    await expect(assume()).resolves.toEqual({
      accessKeyId: 'ASIAEXAMPLEKEY',
      secretAccessKey: 'issued-secret-key',
      sessionToken: 'issued-session-token',
      expiration: ISSUED.Expiration
    })
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0].query.get('audience')).toBe('sts.amazonaws.com')
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${REQUEST_TOKEN}`)
    const calls = sts.commandCalls(AssumeRoleWithWebIdentityCommand)
    expect(calls).toHaveLength(1)
    expect(calls[0].args[0].input).toEqual({
      RoleArn: SETTINGS.roleArn,
      RoleSessionName: SETTINGS.sessionName,
      WebIdentityToken: JWT,
      DurationSeconds: 900
    })
    await expect((calls[0].thisValue as STSClient).config.region()).resolves.toBe('eu-west-1')
    expect(core.secrets()).toEqual([JWT, 'issued-secret-key', 'issued-session-token'])
    expect(core.secrets()).not.toContain('ASIAEXAMPLEKEY')
    expect(core.printed()).toContainEqual(
      expect.stringContaining('arn:aws:sts::123456789012:assumed-role/github-ci/gha')
    )
  })

  it('masks the OIDC token before printing its claims', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: ISSUED })
    await assume()
    const masked = core.indexOf(event => event.what === 'setSecret' && event.args[0] === JWT)
    const firstPrintAfterFetch = core.indexOf(event => event.what === 'debug')
    expect(masked).toBeGreaterThanOrEqual(0)
    expect(masked).toBeLessThan(firstPrintAfterFetch)
  })

  it('asks for the audience input', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: ISSUED })
    await assume({ ...SETTINGS, audience: 'https://github.com/octo-org' })
    expect(server.requests[0].query.get('audience')).toBe('https://github.com/octo-org')
  })

  it('explains id-token: write and forks when the runner gave no token service, and calls nobody', async () => {
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', undefined)
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', undefined)
    const error = await failure()
    expect(error.message).toBe(MISSING_TOKEN_HELP)
    expect(error.message).toContain('permissions: id-token: write')
    expect(error.message).toContain('forks')
    expect(server.requests).toHaveLength(0)
    expect(sts.calls()).toHaveLength(0)
  })

  it('retries the token service when it is busy', async () => {
    await server.close()
    let answers = 0
    server = await startTokenServer(() => (++answers === 1 ? { status: 503, body: '' } : tokenAnswer(JWT)))
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: ISSUED })
    await assume()
    expect(server.requests).toHaveLength(2)
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0].args[0].input.WebIdentityToken).toBe(JWT)
  })

  it('points at the trust policy and prints the sub and aud claims when STS denies access', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403))
    const { message } = await failure()
    expect(message).toBe(
      'STS refused to let this workflow assume arn:aws:iam::123456789012:role/github-ci (AccessDenied: Not ' +
        "authorized to perform sts:AssumeRoleWithWebIdentity). Check the role's trust policy: it must trust the " +
        'OIDC provider token.actions.githubusercontent.com with sts:AssumeRoleWithWebIdentity, and its ' +
        "conditions must match this token's claims: sub=repo:octo-org/app:ref:refs/heads/main, aud=sts.amazonaws.com."
    )
    expect(sts.calls()).toHaveLength(1)
  })

  it('prints every audience of a token with several', async () => {
    await server.close()
    const jwt = fakeJwt({ sub: 'repo:octo-org/app:environment:prod', aud: ['sts.amazonaws.com', 'other'] })
    server = await startTokenServer(() => tokenAnswer(jwt))
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', server.url)
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError('AccessDenied', 'Not authorized', 403))
    const { message } = await failure()
    expect(message).toContain(
      "this token's claims: sub=repo:octo-org/app:environment:prod, aud=sts.amazonaws.com,other."
    )
    expect(message).not.toContain(jwt)
  })

  it('explains the OIDC provider and audience when STS rejects the token', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError('InvalidIdentityToken', 'Incorrect token audience'))
    const { message } = await failure()
    expect(message).toBe(
      "STS did not accept GitHub's OIDC token for arn:aws:iam::123456789012:role/github-ci (InvalidIdentityToken: " +
        "Incorrect token audience). The role's account needs an IAM OIDC identity provider for " +
        "https://token.actions.githubusercontent.com whose audience is 'sts.amazonaws.com' (the audience input)."
    )
    expect(sts.calls()).toHaveLength(1)
  })

  it("retries STS when it could not fetch GitHub's verification key", async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejectsOnce(stsError('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider"))
      .resolves({ Credentials: ISSUED })
    await expect(assume()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLEKEY' })
    expect(sts.calls()).toHaveLength(2)
    expect(server.requests).toHaveLength(1)
  })

  it('gives up after retry-max-attempts when the identity provider stays unreachable', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('IDPCommunicationError', 'The identity provider could not be reached'))
    const { message } = await failure(SETTINGS, 3)
    expect(message).toBe(
      'STS AssumeRoleWithWebIdentity in eu-west-1 failed 3 time(s) with a transient error, the last: ' +
        "IDPCommunicationError: The identity provider could not be reached. Try again later, or raise 'retry-max-attempts'."
    )
    expect(sts.calls()).toHaveLength(3)
  })

  it('never destroys its STS client, whose agents the ECR calls share', async () => {
    const destroy = vi.spyOn(STSClient.prototype, 'destroy')
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .resolvesOnce({ Credentials: ISSUED })
      .rejects(stsError('AccessDenied', 'no'))
    await assume()
    dispose()
    await failure()
    expect(destroy).not.toHaveBeenCalled()
  })

  it('fails when STS answers without credentials', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({ Credentials: { ...ISSUED, SessionToken: undefined } })
    const { message } = await failure()
    expect(message).toBe(
      'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/github-ci returned no credentials.'
    )
  })

  it('never puts the OIDC token or the request token in an error message', async () => {
    for (const error of [
      stsError('AccessDenied', 'Not authorized', 403),
      stsError('InvalidIdentityToken', 'Incorrect token audience'),
      stsError('ExpiredTokenException', 'Token expired'),
      stsError('ValidationError', 'bad duration')
    ]) {
      sts.reset()
      sts.on(AssumeRoleWithWebIdentityCommand).rejects(error)
      const { message } = await failure()
      dispose()
      expect(message).not.toContain(JWT)
      expect(message).not.toContain(REQUEST_TOKEN)
    }
  })
})

describe('describeStsError', () => {
  const claims = { sub: 'repo:octo-org/app:pull_request', aud: 'sts.amazonaws.com' }

  it.each([
    [
      stsError('ExpiredTokenException', 'Token expired: current date/time 1 must be before the expiration date/time 0'),
      "STS says GitHub's OIDC token has expired (ExpiredTokenException: Token expired: current date/time 1 must " +
        'be before the expiration date/time 0). Re-run the job.'
    ],
    [
      stsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'),
      'STS rejected the request to assume arn:aws:iam::123456789012:role/github-ci (ValidationError: The requested ' +
        'DurationSeconds exceeds the MaxSessionDuration set for this role.). If it is about the duration, ' +
        "role-duration-seconds (900) must not exceed the role's maximum session duration."
    ],
    [
      stsError('RegionDisabledException', 'STS is not activated in this region'),
      'STS is not activated in this region for the account (RegionDisabledException: STS is not activated in this ' +
        'region). Activate it, or use another aws-region.'
    ],
    [
      stsError('MalformedPolicyDocument', 'bad policy'),
      'STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/github-ci failed (MalformedPolicyDocument: ' +
        'bad policy).'
    ]
  ])('explains %s', (error, message) => {
    expect(describeStsError(error, SETTINGS, claims)).toBe(message)
  })

  it('says so when the token has no readable claims', () => {
    expect(describeStsError(stsError('AccessDenied', 'no'), SETTINGS, undefined)).toContain(
      "this token's claims: the token has no readable claims."
    )
    expect(describeStsError(stsError('AccessDenied', 'no'), SETTINGS, {})).toContain(
      "this token's claims: sub=(none), aud=(none)."
    )
  })
})

describe('decodeClaims', () => {
  it('reads the claims of a JWT without verifying it', () => {
    expect(decodeClaims(fakeJwt({ sub: 'repo:o/r:environment:prod', aud: ['a', 'b'] }))).toEqual({
      sub: 'repo:o/r:environment:prod',
      aud: ['a', 'b']
    })
  })

  it.each([
    ['not a jwt', 'one part'],
    ['a.!!!.c', 'a payload that is not base64url JSON'],
    [`a.${Buffer.from('null').toString('base64url')}.c`, 'a payload that is null'],
    [`a.${Buffer.from('"text"').toString('base64url')}.c`, 'a payload that is a string'],
    ['', 'an empty string']
  ])('gives undefined for %j (%s)', jwt => {
    expect(decodeClaims(jwt)).toBeUndefined()
  })
})
