// What to tell a user whose proxy refused a request: shared by the OIDC and AWS error wording.

export const CHECK_PROXY_CREDENTIALS = 'check the user name and password in http-proxy or HTTPS_PROXY'

export const PROXY_REFUSED_HELP = `the proxy refused the request (HTTP 407 Proxy Authentication Required): ${CHECK_PROXY_CREDENTIALS}`

/** For an answer that may be a proxy's refusal in disguise (some proxies answer 401). */
export const MAYBE_PROXY_REFUSED_HELP = `if a proxy is in the way, the proxy refused the request: ${CHECK_PROXY_CREDENTIALS}`
