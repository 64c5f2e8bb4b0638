// What every AWS SDK client in the step shares: the credentials' shape and their masking, our
// retries (the SDK's own are off, so that one policy and one deadline rule them all), the
// proxy-aware agents and per-attempt timeouts.

import * as core from '@actions/core'
import { type Agents, CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './network.js'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Masks the secret parts the moment credentials exist. The key ID is not secret. */
export function maskCredentials(credentials: AwsCredentials): void {
  core.setSecret(credentials.secretAccessKey)
  if (credentials.sessionToken) core.setSecret(credentials.sessionToken)
}

const USER_AGENT = 'ecr-login-action'

// The instance and container metadata endpoints are on the runner's own link: an answer is
// immediate or never comes (the SDK's own default is 1 s; GitHub-hosted runners have none).
const METADATA_TIMEOUT_MS = 1000

function requestHandler(agents: Agents) {
  return {
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true
  }
}

/**
 * Settings for an SDK client. Never call `destroy()` on such a client: it would destroy the
 * agents under the other clients' requests. main destroys the agents once, at the end.
 */
export function clientConfig(agents: Agents, region: string, credentials?: AwsCredentials) {
  return {
    region,
    credentials,
    maxAttempts: 1,
    customUserAgent: USER_AGENT,
    requestHandler: requestHandler(agents)
  }
}

/**
 * Options for the SDK's default credential chain, so that the clients it makes itself (STS for a
 * web-identity file or an assumed-role profile, SSO) use the step's proxy and timeouts, and the
 * metadata endpoints its bound. No region here: SSO takes its own from the profile; STS falls back
 * to `region` (the step's) only when the environment and profile name none.
 */
export function credentialChainConfig(agents: Agents, region: string | undefined) {
  return {
    clientConfig: { maxAttempts: 1, customUserAgent: USER_AGENT, requestHandler: requestHandler(agents) },
    parentClientConfig: region ? { region } : undefined,
    timeout: METADATA_TIMEOUT_MS,
    maxRetries: 0
  }
}
