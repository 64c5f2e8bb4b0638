// Settings every AWS SDK client in the step shares: our retries (the SDK's own are off, so that
// one policy and one deadline rule them all), the proxy-aware agents and per-attempt timeouts.

import type { Deadline } from './deadline.js'
import type { Agents } from './proxy.js'
import type { RetryPolicy } from './retry.js'
import type { AwsCredentials } from './types.js'

/** Credentials, or a provider the SDK calls for them. */
export type CredentialSource = AwsCredentials | (() => Promise<AwsCredentials>)

/** The step's shared machinery, handed to every remote call. */
export interface CallContext {
  agents: Agents
  deadline: Deadline
  retry: RetryPolicy
}

const USER_AGENT = 'ecr-login-action'

// An API answer takes well under a second; one that takes longer than this is a stall to retry.
export const CONNECT_TIMEOUT_MS = 5000
export const REQUEST_TIMEOUT_MS = 8000

// The instance and container metadata endpoints are on the runner's own link: an answer is
// immediate or never comes (the SDK's own default is 1 s; GitHub-hosted runners have none).
const METADATA_TIMEOUT_MS = 1000

function requestHandler(context: CallContext) {
  return {
    httpAgent: context.agents.http,
    httpsAgent: context.agents.https,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true
  }
}

/**
 * Settings for an SDK client. Never call `destroy()` on such a client: it would destroy the
 * agents under the other clients' requests. main destroys the agents once, at the end.
 */
export function clientConfig(context: CallContext, region: string, credentials?: CredentialSource) {
  return {
    region,
    credentials,
    maxAttempts: 1,
    customUserAgent: USER_AGENT,
    requestHandler: requestHandler(context)
  }
}

/**
 * Options for the SDK's default credential chain, so that the clients it makes itself (STS for a
 * web-identity file or an assumed-role profile, SSO) use the step's proxy and timeouts, and the
 * metadata endpoints its bound. No region here: SSO takes its own from the profile; STS falls back
 * to `region` (the step's) only when the environment and profile name none.
 */
export function credentialChainConfig(context: CallContext, region: string | undefined) {
  return {
    clientConfig: { maxAttempts: 1, customUserAgent: USER_AGENT, requestHandler: requestHandler(context) },
    parentClientConfig: region ? { region } : undefined,
    timeout: METADATA_TIMEOUT_MS,
    maxRetries: 0
  }
}
