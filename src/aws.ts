// What every AWS SDK client in the step shares: our retries (the SDK's own are off, so that one
// policy and one deadline rule them all), the proxy-aware agents and per-attempt timeouts.

import * as core from '@actions/core'
import { type Agents, MAYBE_PROXY_REFUSED_HELP, PROXY_REFUSED_HELP } from './proxy.js'
import type { Deadline, RetryPolicy } from './retry.js'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

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
const CONNECT_TIMEOUT_MS = 5000
const REQUEST_TIMEOUT_MS = 8000

/**
 * Settings for an SDK client. Never call `destroy()` on such a client: it would destroy the
 * shared agents under the other clients' requests. main destroys the agents once, at the end.
 */
export function clientConfig(context: CallContext, region: string, credentials?: CredentialSource) {
  return {
    region,
    credentials,
    maxAttempts: 1,
    customUserAgent: USER_AGENT,
    requestHandler: {
      httpAgent: context.agents.http,
      httpsAgent: context.agents.https,
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true
    }
  }
}

interface AwsErrorShape {
  name?: string
  message?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
}

/** `Name: message` of an SDK error, for messages that quote AWS. */
export function describeAwsError(error: unknown): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape
  // An answer the SDK cannot parse is not from AWS: most often a proxy refusing its credentials.
  const status = shape.$metadata?.httpStatusCode
  if (status === 407) return PROXY_REFUSED_HELP
  if (shape.name === 'SyntaxError' && status !== undefined) {
    const proxyHint = status === 401 ? `; ${MAYBE_PROXY_REFUSED_HELP}` : ''
    return `an answer that is not from AWS (HTTP ${status})${proxyHint}`
  }
  const name = shape.Code ?? shape.name ?? 'Error'
  const message = shape.message ?? String(error)
  return message.startsWith(name) ? message : `${name}: ${message}`
}

export function awsErrorName(error: unknown): string | undefined {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape
  return shape.Code ?? shape.name
}

/** Masks the secret parts the moment credentials exist. The key ID is not secret. */
export function maskCredentials(credentials: AwsCredentials): void {
  core.setSecret(credentials.secretAccessKey)
  if (credentials.sessionToken) core.setSecret(credentials.sessionToken)
}
