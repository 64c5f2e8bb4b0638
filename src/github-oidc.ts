// GitHub's OIDC ID token for this job, fetched from the runner's token service. Our own small
// request (not core.getIDToken) so that it shares the step's proxy, retries and deadline.

import * as core from '@actions/core'
import { ActionError, messageOf, ThrottlingError, TransientError } from './errors.js'
import { logText } from './log-text.js'
import { type Agents, httpGet, PROXY_REFUSED_HELP } from './network.js'
import { type CallContext, retryAfterMs, withRetry } from './retry.js'

export const MISSING_TOKEN_HELP =
  'role-to-assume is set, but this job cannot get a GitHub OIDC token: the runner did not set ' +
  'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. Give the workflow or the job ' +
  "'permissions: id-token: write' (with 'contents: read' if it checks out code). Pull requests " +
  'from forks never get a token; run those jobs without role-to-assume or from pull_request_target with care.'

export interface OidcRequest {
  url: string
  requestToken: string
}

/** The runner's token-service address and bearer token, or the error that explains how to get them. */
export function oidcRequestFromEnv(env: NodeJS.ProcessEnv): OidcRequest {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!url || !requestToken) throw new ActionError(MISSING_TOKEN_HELP)
  return { url, requestToken }
}

/**
 * One attempt at fetching the ID token for `audience`. Masks the token before returning it.
 * Throws ThrottlingError for a 429 (with its Retry-After), TransientError for a 5xx.
 */
export async function fetchIdToken(
  { url, requestToken }: OidcRequest,
  audience: string,
  agents: Agents,
  signal: AbortSignal
): Promise<string> {
  const target = new URL(url)
  target.searchParams.set('audience', audience)
  const { status, headers, body } = await httpGet(
    target,
    { Authorization: `Bearer ${requestToken}`, Accept: 'application/json', 'User-Agent': 'ecr-login' },
    agents,
    signal,
    "GitHub's OIDC token request"
  )
  if (status === 429) {
    throw new ThrottlingError('the token service answered HTTP 429', retryAfterMs({ statusCode: status, headers }))
  }
  if (status >= 500) throw new TransientError(`the token service answered HTTP ${status}`)
  if (status === 407) throw new ActionError(`GitHub's OIDC token request failed: ${PROXY_REFUSED_HELP}.`)
  if (status !== 200) {
    throw new ActionError(
      `GitHub's OIDC token service refused the request (HTTP ${status}). The job's id-token permission ` +
        `or its request token may be wrong: check 'permissions: id-token: write'.`
    )
  }
  let token: unknown
  try {
    token = (JSON.parse(body) as { value?: unknown } | null)?.value
  } catch (error) {
    throw new ActionError(`GitHub's OIDC token service sent an answer that is not JSON: ${logText(messageOf(error))}`)
  }
  if (typeof token !== 'string' || token === '') {
    throw new ActionError("GitHub's OIDC token service sent no token (no 'value' in its answer).")
  }
  core.setSecret(token)
  return token
}

/** The job's ID token for `audience`, retried on transient failures. */
export function requestIdToken(request: OidcRequest, audience: string, context: CallContext): Promise<string> {
  return withRetry(
    "GitHub's OIDC token request",
    signal => fetchIdToken(request, audience, context.agents, signal),
    context
  )
}
