// Checks a login with the registry before it is kept, as `docker login` does: GET /v2/ with the
// credentials. Our own request, not docker's: it goes over a connection opened while the token was
// on its way (preconnect.ts), one round trip, where docker opens two new connections after the
// token has arrived (its transport keeps none alive), six round trips (issue 18). A registry that
// answers with a token service (ECR Public) is asked for a token, as docker asks it.

import { ActionError, messageOf, ThrottlingError, TransientError } from './errors.js'
import { logText } from './log-text.js'
import { type Agents, httpGet, type HttpAnswer, PROXY_REFUSED_HELP } from './network.js'
import { isTransient, retryAfterMs } from './retry.js'

export interface Credentials {
  host: string
  username: string
  password: string
}

/** What the registry said about itself, from its `{"errors":[{"code","message"}]}` answer. */
function registrySays(body: string): string {
  try {
    const [first] = (JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] }).errors ?? []
    const words = [first?.code, first?.message].filter(word => typeof word === 'string' && word).join(': ')
    return words ? `: ${logText(words.slice(0, 200))}` : ''
  } catch {
    return ''
  }
}

/** The token service a `Bearer` challenge names, as docker asks it for a login; undefined for any other. */
function tokenService(answer: HttpAnswer, username: string): URL | undefined {
  const challenge = [answer.headers['www-authenticate'] ?? []].flat().find(value => /^\s*bearer\s/i.test(value))
  if (!challenge) return undefined
  const params = new Map(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(([, name, value]) => [name.toLowerCase(), value])
  )
  let realm: URL
  try {
    realm = new URL(params.get('realm') ?? '')
  } catch {
    return undefined
  }
  // The credentials go to the token service only over TLS.
  if (realm.protocol !== 'https:') return undefined
  for (const name of ['service', 'scope']) {
    const value = params.get(name)
    if (value) realm.searchParams.set(name, value)
  }
  realm.searchParams.set('account', username)
  return realm
}

/** The error for an answer that is not a yes. */
function notAccepted(host: string, answer: HttpAnswer, asked: string): Error {
  const { status, headers, body } = answer
  if (status === 429)
    return new ThrottlingError(`${asked} answered HTTP 429`, retryAfterMs({ statusCode: status, headers }))
  if (status >= 500 || status === 408) return new TransientError(`${asked} answered HTTP ${status}`)
  if (status === 407) return new ActionError(`Logging in to ${host} failed: ${PROXY_REFUSED_HELP}.`)
  if (status === 401 || status === 403) {
    return new ActionError(
      `${host} refused the login (${asked} answered HTTP ${status}${registrySays(body)}). The registry refused the ` +
        `credentials ECR issued: check that ${host} is the registry you mean and that its account lets this principal in.`
    )
  }
  const type = logText(String(headers['content-type'] ?? 'no content type'))
  return new ActionError(
    `${host} does not answer as a container registry: ${asked} answered HTTP ${status} (${type}). ` +
      `Check the host in 'registries', and that nothing between this runner and it answers in its place.`
  )
}

/** A failure to reach the registry: worth another try when the network may recover, else why. */
function unreachable(host: string, error: unknown): Error {
  if (error instanceof ActionError || error instanceof TransientError) return error
  const message = logText(messageOf(error))
  if (isTransient(error)) return new TransientError(message)
  return new ActionError(
    `Could not reach the registry ${host}: ${message}. Check that this runner can reach it (a firewall, a proxy ` +
      `in http-proxy or HTTPS_PROXY, or a VPC endpoint for ECR's registries).`,
    { cause: error }
  )
}

/**
 * One attempt at checking `credentials` with their registry. Throws ThrottlingError for a 429,
 * TransientError for a 5xx or a network hiccup, ActionError (saying why) when the registry refuses.
 */
export async function checkLogin(credentials: Credentials, agents: Agents, signal: AbortSignal): Promise<void> {
  const { host, username, password } = credentials
  const headers = {
    Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    'User-Agent': 'ecr-login',
    Accept: 'application/json'
  }
  const get = async (url: URL): Promise<HttpAnswer> => {
    try {
      return await httpGet(url, headers, agents, signal, `Logging in to ${host}`)
    } catch (error) {
      // A deadline or a cancel passes through as it is: the caller names what it waited for.
      throw signal.aborted ? error : unreachable(host, error)
    }
  }
  const answer = await get(new URL(`https://${host}/v2/`))
  if (answer.status >= 200 && answer.status < 300) return
  const service = answer.status === 401 ? tokenService(answer, username) : undefined
  if (!service) throw notAccepted(host, answer, 'GET /v2/')
  const token = await get(service)
  if (token.status >= 200 && token.status < 300) return
  throw notAccepted(host, token, `its token service ${logText(service.host)}`)
}
