// GitHub OIDC → STS AssumeRoleWithWebIdentity. The temporary credentials stay in this process:
// they go to the ECR clients and are not exported to later steps.

import * as core from '@actions/core'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { type CallContext, clientConfig } from './aws-client.js'
import { awsErrorName, describeAwsError } from './aws-errors.js'
import { ActionError } from './errors.js'
import type { WebIdentitySettings } from './inputs.js'
import { decodeClaims, type TokenClaims } from './oidc.js'
import { withRetry } from './retry.js'
import { maskCredentials } from './secrets.js'
import type { AwsCredentials } from './types.js'

function claimsText(claims: TokenClaims | undefined): string {
  if (!claims) return 'the token has no readable claims'
  const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud
  return `sub=${claims.sub ?? '(none)'}, aud=${aud ?? '(none)'}`
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
        `is '${settings.audience}' (the audience input).`
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
  const policy = { policy: context.retry, deadline: context.deadline }
  const claims = decodeClaims(token)
  core.debug(`OIDC token claims: ${claimsText(claims)}`)

  const sts = new STSClient(clientConfig(context, region))
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
      policy
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
  core.info(`Assumed role as ${response.AssumedRoleUser?.Arn ?? settings.roleArn}`)
  return credentials
}
