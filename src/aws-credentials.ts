// AWS credentials already present on the runner, through the SDK's default chain: what the step
// uses when role-to-assume is not set. Says where they came from, or how to provide some.

import * as core from '@actions/core'
import { defaultProvider } from '@aws-sdk/credential-provider-node'
import { type AwsCredentials, credentialChainConfig, maskCredentials } from './aws-sdk.js'
import { ActionError, errorShape, messageOf } from './errors.js'
import { logText } from './log-text.js'
import type { CallContext } from './retry.js'

export const NO_CREDENTIALS_HELP =
  'No AWS credentials found. Either set role-to-assume (and give the job ' +
  "'permissions: id-token: write') to use GitHub's OIDC provider, or provide credentials before this " +
  'step, e.g. with aws-actions/configure-aws-credentials, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
  'secrets in env, or a runner with an instance or container role.'

// The SDK tags credentials with the provider that found them.
const SOURCE_NAMES: Record<string, string> = {
  CREDENTIALS_ENV_VARS: 'environment variables',
  CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'a web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE)',
  CREDENTIALS_PROFILE: 'a shared config profile',
  CREDENTIALS_PROFILE_SSO: 'an SSO profile',
  CREDENTIALS_SSO: 'SSO',
  CREDENTIALS_PROCESS: 'a credential process',
  CREDENTIALS_PROFILE_PROCESS: 'a credential process',
  CREDENTIALS_HTTP: 'the container credentials endpoint (ECS/EKS)',
  CREDENTIALS_STS_ASSUME_ROLE: 'a role assumed by a profile',
  CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'a web identity token file'
}

export function describeSource(credentials: object): string {
  const source = (credentials as { $source?: Record<string, string> }).$source ?? {}
  const names = Object.keys(source)
    .map(key => SOURCE_NAMES[key])
    .filter(Boolean)
  return names.length > 0 ? [...new Set(names)].join(', ') : "the AWS SDK's default credential chain"
}

/**
 * Credentials from the SDK's default chain (configure-aws-credentials, environment, profile,
 * web-identity file, ECS/EKS, EC2), resolved once for every client in the step; masked.
 */
export async function credentialsFromDefaultChain(context: CallContext, region: string): Promise<AwsCredentials> {
  let credentials: AwsCredentials
  try {
    // The chain's own clients (STS, SSO) and metadata calls get the step's proxy and timeouts.
    const chain = defaultProvider(credentialChainConfig(context.agents, region))
    credentials = await context.deadline.track('the AWS SDK credential chain', () => chain())
  } catch (error) {
    if (errorShape(error).name === 'CredentialsProviderError') {
      throw new ActionError(NO_CREDENTIALS_HELP, { cause: error })
    }
    throw new ActionError(`Could not load AWS credentials: ${logText(messageOf(error))}`, { cause: error })
  }
  maskCredentials(credentials)
  core.info(`Using AWS credentials from ${describeSource(credentials)}`)
  return credentials
}
