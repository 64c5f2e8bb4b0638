// GitHub's OIDC token → STS AssumeRoleWithWebIdentity. The temporary credentials stay in this
// process: they go to the ECR clients and are not exported to later steps.

import * as core from '@actions/core'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { awsErrorName, describeAwsError } from './aws-errors.js'
import { type AwsCredentials, clientConfig, maskCredentials } from './aws-sdk.js'
import { ActionError } from './errors.js'
import { logText } from './log-text.js'
import type { WebIdentitySettings } from './inputs.js'
import { type CallContext, withRetry } from './retry.js'

/** Non-secret claims of the token, shown when STS refuses it. */
export interface TokenClaims {
  sub?: string
  aud?: string | string[]
  iss?: string
}

/** Decodes a JWT's payload; undefined when it is not a JWT. Never verifies: STS does. */
export function decodeClaims(jwt: string): TokenClaims | undefined {
  const payload = jwt.split('.')[1]
  if (!payload) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null ? claims : undefined
  } catch {
    return undefined
  }
}

function claimsText(claims: TokenClaims | undefined): string {
  if (!claims) return 'the token has no readable claims'
  const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud
  return logText(`sub=${claims.sub ?? '(none)'}, aud=${aud ?? '(none)'}`)
}

/** Turns an STS refusal into a message that says what to fix. */
export function describeStsError(
  error: unknown,
  settings: WebIdentitySettings,
  claims: TokenClaims | undefined
): string {
  const name = awsErrorName(error)
  const quoted = describeAwsError(error)
  switch (name) {
    case 'AccessDenied':
      return (
        `STS refused to let this workflow assume ${settings.roleArn} (${quoted}). Check the role's trust ` +
        `policy: it must trust the OIDC provider token.actions.githubusercontent.com with ` +
        `sts:AssumeRoleWithWebIdentity, and its conditions must match this token's claims: ${claimsText(claims)}.`
      )
    case 'InvalidIdentityToken':
      return (
        `STS did not accept GitHub's OIDC token for ${settings.roleArn} (${quoted}). The role's account ` +
        `needs an IAM OIDC identity provider for https://token.actions.githubusercontent.com whose audience ` +
        `is '${logText(settings.audience)}' (the audience input).`
      )
    case 'ExpiredTokenException':
      return `STS says GitHub's OIDC token has expired (${quoted}). Re-run the job.`
    case 'ValidationError':
      return (
        `STS rejected the request to assume ${settings.roleArn} (${quoted}). If it is about the duration, ` +
        `role-duration-seconds (${settings.durationSeconds}) must not exceed the role's maximum session duration.`
      )
    case 'RegionDisabledException':
      return `STS is not activated in this region for the account (${quoted}). Activate it, or use another aws-region.`
    default:
      return `STS AssumeRoleWithWebIdentity for ${settings.roleArn} failed (${quoted}).`
  }
}

/** Exchanges GitHub's OIDC token for temporary credentials, masked the moment they arrive. */
export async function assumeRoleWithWebIdentity(
  settings: WebIdentitySettings,
  token: string,
  region: string,
  context: CallContext
): Promise<AwsCredentials> {
  const claims = decodeClaims(token)
  core.debug(`OIDC token claims: ${claimsText(claims)}`)

  const sts = new STSClient(clientConfig(context.agents, region))
  const command = new AssumeRoleWithWebIdentityCommand({
    RoleArn: settings.roleArn,
    RoleSessionName: settings.sessionName,
    WebIdentityToken: token,
    DurationSeconds: settings.durationSeconds
  })
  let response
  try {
    response = await withRetry(
      `STS AssumeRoleWithWebIdentity in ${region}`,
      signal => sts.send(command, { abortSignal: signal }),
      context
    )
  } catch (error) {
    if (error instanceof ActionError) throw error
    throw new ActionError(describeStsError(error, settings, claims), { cause: error })
  }

  const issued = response.Credentials
  if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
    throw new ActionError(`STS AssumeRoleWithWebIdentity for ${settings.roleArn} returned no credentials.`)
  }
  const credentials: AwsCredentials = {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration
  }
  maskCredentials(credentials)
  core.info(`Assumed role as ${logText(response.AssumedRoleUser?.Arn ?? settings.roleArn)}`)
  return credentials
}
