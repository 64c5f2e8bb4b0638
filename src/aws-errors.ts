// How the step quotes an AWS SDK error: AWS's own code and message, or, for an answer that did
// not come from AWS, what came instead and why that happens.

import { errorShape, type ErrorShape } from './errors.js'
import { logText } from './log-text.js'
import { describeTunnelRefusal, MAYBE_PROXY_REFUSED_HELP, PROXY_REFUSED_HELP } from './network.js'

/** An answer the SDK could not parse: a captive portal, a wrong custom endpoint or a proxy's page. */
function describeForeignAnswer(shape: ErrorShape): string {
  const status = shape.$metadata?.httpStatusCode ?? shape.$response?.statusCode
  const header = shape.$response?.headers?.['content-type']?.split(';')[0]
  const type = header === undefined ? undefined : logText(header)
  const what = [status !== undefined ? `HTTP ${status}` : '', type ?? ''].filter(Boolean).join(', ')
  const cause =
    status === 401
      ? MAYBE_PROXY_REFUSED_HELP
      : 'a custom endpoint (AWS_ENDPOINT_URL…) that is not AWS, or a proxy or captive portal in the way, ' +
        'answered instead'
  return `an answer that is not from AWS${what ? ` (${what})` : ''}; ${cause}`
}

/** `Name: message` of an SDK error, for messages that quote AWS. */
export function describeAwsError(error: unknown): string {
  const shape = errorShape(error)
  const status = shape.$metadata?.httpStatusCode
  if (status === 407) return PROXY_REFUSED_HELP
  const tunnel = describeTunnelRefusal(shape.message ?? '')
  if (tunnel) return tunnel
  if (shape.name === 'SyntaxError' || /Deserialization error/.test(shape.message ?? '')) {
    return describeForeignAnswer(shape)
  }
  const name = shape.Code ?? shape.name ?? 'Error'
  const message = shape.message ?? String(error)
  return logText(message.startsWith(name) ? message : `${name}: ${message}`)
}

/** AWS's error code: the wire `Code` where the SDK keeps one, else the error's name. */
export function awsErrorName(error: unknown): string | undefined {
  const shape = errorShape(error)
  return shape.Code ?? shape.name
}
