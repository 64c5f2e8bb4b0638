// One GetAuthorizationToken call per registry group (ECR or ECR Public), its token decoded into
// docker credentials per host. Tokens and passwords are masked the moment they arrive.

import * as core from '@actions/core'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { awsErrorName, describeAwsError } from './aws-errors.js'
import { type AwsCredentials, clientConfig } from './aws-sdk.js'
import { ActionError } from './errors.js'
import { logText } from './log-text.js'
import { ECR_PUBLIC_HOST, type RegistryGroup, registryOfHost } from './registries.js'
import { type CallContext, withRetry } from './retry.js'

/** What `docker login` needs for one host. */
export interface RegistryLogin {
  host: string
  username: string
  password: string
  expiresAt?: Date
}

/** Decodes ECR's token, base64 of `user:password`. The error never quotes the token, a secret. */
export function decodeAuthorizationToken(token: string, host: string): { username: string; password: string } {
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0 && colon < decoded.length - 1) {
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
    }
  }
  throw new ActionError(`ECR sent an authorization token for ${host} that is not base64 of user:password.`)
}

interface AuthorizationData {
  authorizationToken?: string
  proxyEndpoint?: string
  expiresAt?: Date
}

export function describeCall(group: RegistryGroup): string {
  const service = group.kind === 'public' ? 'ECR Public' : 'ECR'
  const variant = [group.fips ? 'FIPS' : '', group.dualStack ? 'dual-stack' : ''].filter(Boolean).join(', ')
  return `${service} GetAuthorizationToken in ${group.region}${variant ? ` (${variant})` : ''}`
}

/** Turns an ECR refusal into a message that says what to fix. */
export function describeEcrError(error: unknown, group: RegistryGroup): string {
  const quoted = describeAwsError(error)
  const call = describeCall(group)
  const permission =
    group.kind === 'public'
      ? "'ecr-public:GetAuthorizationToken' and 'sts:GetServiceBearerToken'"
      : "'ecr:GetAuthorizationToken'"
  switch (awsErrorName(error)) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      return (
        `${call} was refused (${quoted}). Grant the principal named there ${permission} on ` +
        `Resource "*" in an identity-based policy.`
      )
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return (
        `${call}: AWS rejected the credentials (${quoted}). Check that they are current, complete and ` +
        `belong to the partition of ${group.region}.`
      )
    default:
      return `${call} failed (${quoted}).`
  }
}

/** The hosts a group stands for, for messages: the default registry has no host until ECR names it. */
function describeHosts(group: RegistryGroup): string {
  const hosts = group.registries.map(registry => registry.host ?? `your default registry in ${group.region}`)
  return hosts.join(', ')
}

/** The account ID in a proxy endpoint such as https://123456789012.dkr.ecr.eu-west-1.amazonaws.com. */
function accountOf(proxyEndpoint: string | undefined): string | undefined {
  return proxyEndpoint?.match(/^(?:https?:\/\/)?(\d{12})\./)?.[1]
}

/**
 * The host of the default registry, from ECR's answer: held to the rule for a host in `registries`,
 * for it goes to the log and to docker (a custom endpoint may answer anything).
 */
function endpointHost(proxyEndpoint: string, group: RegistryGroup): string {
  const registry = registryOfHost(proxyEndpoint)
  if (!registry?.host) {
    throw new ActionError(
      `${describeCall(group)} named the registry '${logText(proxyEndpoint)}', which is not an ECR registry ` +
        `host. If AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL points at a service that is not ECR, correct or ` +
        `unset it; or list your registry's host in 'registries'.`
    )
  }
  return registry.host
}

/** The endpoint variant a group's hosts ask for: only `true`s, so that AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT and the profile's settings still apply where the host says nothing. */
function endpointVariant(group: RegistryGroup): { useFipsEndpoint?: true; useDualstackEndpoint?: true } {
  return {
    ...(group.fips && { useFipsEndpoint: true }),
    ...(group.dualStack && { useDualstackEndpoint: true })
  }
}

interface ConfiguredClient {
  config: { serviceConfiguredEndpoint?: () => Promise<string | undefined> }
}

/**
 * A client for the group's endpoint variant. A custom endpoint (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL,
 * `endpoint_url` in the profile or its services section) wins: the SDK refuses a variant with one, and
 * the token serves every host form of the registry. The SDK's own lookup finds it (an internal member of
 * the client's config; ecr-endpoints.test.ts fails if an SDK update drops it).
 */
async function clientFor<C extends ConfiguredClient>(
  group: RegistryGroup,
  make: (variant: ReturnType<typeof endpointVariant>) => C
): Promise<C> {
  const variant = endpointVariant(group)
  const plain = make({})
  if (Object.keys(variant).length === 0) return plain
  const customEndpoint = await plain.config.serviceConfiguredEndpoint?.()
  return customEndpoint ? plain : make(variant)
}

async function requestTokens(
  group: RegistryGroup,
  credentials: AwsCredentials,
  context: CallContext
): Promise<AuthorizationData[]> {
  const config = clientConfig(context.agents, group.region, credentials)
  if (group.kind === 'public') {
    // Loaded only for ECR Public, which few runs use.
    const { ECRPUBLICClient, GetAuthorizationTokenCommand: GetPublicToken } = await import('@aws-sdk/client-ecr-public')
    const client = await clientFor(group, variant => new ECRPUBLICClient({ ...config, ...variant }))
    const response = await withRetry(
      describeCall(group),
      signal => client.send(new GetPublicToken({}), { abortSignal: signal }),
      context
    )
    const host = group.registries[0]?.host ?? ECR_PUBLIC_HOST
    return response.authorizationData ? [{ ...response.authorizationData, proxyEndpoint: host }] : []
  }

  const client = await clientFor(group, variant => new ECRClient({ ...config, ...variant }))
  const registryIds = group.registries.flatMap(registry =>
    registry.kind === 'private' && registry.accountId ? [registry.accountId] : []
  )
  const command = new GetAuthorizationTokenCommand(registryIds.length > 0 ? { registryIds } : {})
  const response = await withRetry(
    describeCall(group),
    signal => client.send(command, { abortSignal: signal }),
    context
  )
  return response.authorizationData ?? []
}

/**
 * Gets docker credentials for every registry in `group` with one API call.
 * @param maskPassword false only when the user wants the password output unmasked
 */
export async function fetchRegistryLogins(
  group: RegistryGroup,
  credentials: AwsCredentials,
  context: CallContext,
  maskPassword: boolean
): Promise<RegistryLogin[]> {
  let data: AuthorizationData[]
  try {
    data = await requestTokens(group, credentials, context)
  } catch (error) {
    const message = error instanceof ActionError ? error.message : describeEcrError(error, group)
    throw new ActionError(`${message} Not logged in to ${describeHosts(group)}.`, { cause: error })
  }
  // Mask first: nothing below may print before these are secrets.
  for (const entry of data) if (entry.authorizationToken) core.setSecret(entry.authorizationToken)

  return group.registries.map(registry => {
    const accountId = registry.kind === 'private' ? registry.accountId : undefined
    // The token serves every registry the principal may use; ECR answers once per requested ID.
    const entry = data.find(item => accountId !== undefined && accountOf(item.proxyEndpoint) === accountId) ?? data[0]
    const host = registry.host ?? (entry?.proxyEndpoint ? endpointHost(entry.proxyEndpoint, group) : undefined)
    if (!entry?.authorizationToken || !host) {
      throw new ActionError(
        `${describeCall(group)} returned no authorization token for ${host ?? 'the default registry'}.`
      )
    }
    const { username, password } = decodeAuthorizationToken(entry.authorizationToken, host)
    if (maskPassword) core.setSecret(password)
    return { host, username, password, expiresAt: entry.expiresAt }
  })
}
