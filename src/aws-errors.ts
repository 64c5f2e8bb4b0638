// How the step quotes an AWS SDK error: AWS's own code and message, or, for an answer that did
// not come from AWS, what came instead and why that happens.

import { CHECK_PROXY_CREDENTIALS, MAYBE_PROXY_REFUSED_HELP, PROXY_REFUSED_HELP } from './proxy-help.js'
import type { ErrorShape } from './types.js'

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? error : {}
}

/** An answer the SDK could not parse: a captive portal, a wrong custom endpoint or a proxy's page. */
function describeForeignAnswer(shape: ErrorShape): string {
  const status = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode
  const type = shape.$response?.headers?.['content-type']?.split(';')[0]
  const what = [status !== undefined ? `HTTP ${status}` : '', type ?? ''].filter(Boolean).join(', ')
  const cause =
    status === 401
      ? MAYBE_PROXY_REFUSED_HELP
      : 'a custom endpoint (AWS_ENDPOINT_URL…) that is not AWS, or a proxy or captive portal in the way, ' +
        'answered instead'
  return `an answer that is not from AWS${what ? ` (${what})` : ''}; ${cause}`
}

// Node's proxy agent when the proxy answers CONNECT with an error. Its text also quotes the proxy
// URL, which is never repeated: only the target and the status are.
const TUNNEL_REFUSED = /Failed to establish tunnel to (\S+?) via .*?HTTP\/\d(?:\.\d)? (\d{3})/

function describeTunnelRefusal(target: string, status: string): string {
  if (status === '407') return PROXY_REFUSED_HELP
  const fix =
    status === '401'
      ? CHECK_PROXY_CREDENTIALS
      : `check that the proxy lets this runner reach ${target}, or list the host in NO_PROXY`
  return `the proxy refused the tunnel to ${target} (HTTP ${status}): ${fix}`
}

/** `Name: message` of an SDK error, for messages that quote AWS. */
export function describeAwsError(error: unknown): string {
  const shape = shapeOf(error)
  const status = shape.$metadata?.httpStatusCode
  if (status === 407) return PROXY_REFUSED_HELP
  const tunnel = TUNNEL_REFUSED.exec(shape.message ?? '')
  if (tunnel) return describeTunnelRefusal(tunnel[1], tunnel[2])
  if (shape.name === 'SyntaxError' || /Deserialization error/.test(shape.message ?? '')) {
    return describeForeignAnswer(shape)
  }
  const name = shape.Code ?? shape.name ?? 'Error'
  const message = shape.message ?? String(error)
  return message.startsWith(name) ? message : `${name}: ${message}`
}

export function awsErrorName(error: unknown): string | undefined {
  const shape = shapeOf(error)
  return shape.Code ?? shape.name
}
