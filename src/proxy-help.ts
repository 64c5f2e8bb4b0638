// What to tell a user whose proxy refused a request: shared by the OIDC and AWS error wording.

const CHECK_PROXY_CREDENTIALS = 'check the user name and password in http-proxy or HTTPS_PROXY'

export const PROXY_REFUSED_HELP = `the proxy refused the request (HTTP 407 Proxy Authentication Required): ${CHECK_PROXY_CREDENTIALS}`

/** For an answer that may be a proxy's refusal in disguise (some proxies answer 401). */
export const MAYBE_PROXY_REFUSED_HELP = `if a proxy is in the way, the proxy refused the request: ${CHECK_PROXY_CREDENTIALS}`

// Node's proxy agent when the proxy answers CONNECT with an error. Its text also quotes the proxy
// URL, which is never repeated: only the target and the status are.
const TUNNEL_REFUSED = /Failed to establish tunnel to (\S+?) via .*?HTTP\/\d(?:\.\d)? (\d{3})/

/** What to tell a user whose proxy refused the tunnel, from Node's message; undefined for other errors. */
export function describeTunnelRefusal(message: string): string | undefined {
  const refused = TUNNEL_REFUSED.exec(message)
  if (!refused) return undefined
  const [, target, status] = refused
  if (status === '407') return PROXY_REFUSED_HELP
  const fix =
    status === '401'
      ? CHECK_PROXY_CREDENTIALS
      : `check that the proxy lets this runner reach ${target}, or list the host in NO_PROXY`
  return `the proxy refused the tunnel to ${target} (HTTP ${status}): ${fix}`
}
