// The errors the step throws and the one shape it reads from anything thrown. Imports nothing, so
// every module may use it. Messages are shown as they are: they name the input or the cause and
// the fix, and never contain a secret.

/** A failure the user can fix; its message is the whole story. */
export class ActionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ActionError'
  }
}

/** An input that is missing, malformed or out of range. */
export class InputError extends ActionError {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** A failure worth another try: the caller's own calls (OIDC, docker) throw it to say so. */
export class TransientError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TransientError'
  }
}

/**
 * The service asked us to slow down (HTTP 429): retried until the deadline, not a fixed number of
 * times, and not before `retryAfterMs` when the answer said how long to wait.
 */
export class ThrottlingError extends TransientError {
  constructor(
    message: string,
    readonly retryAfterMs?: number
  ) {
    super(message)
    this.name = 'ThrottlingError'
  }
}

/** What the step reads from anything thrown by the AWS SDK, Node or our own calls. */
export interface ErrorShape {
  name?: string
  // The error code on the wire: the SDK's STS errors have it as well as a name (name
  // InvalidIdentityTokenException, Code InvalidIdentityToken).
  Code?: string
  // Node's system error code (ENOENT, ECONNRESET).
  code?: string
  message?: string
  $retryable?: unknown
  $metadata?: { httpStatusCode?: number }
  // The raw answer, which the SDK attaches when it cannot parse it.
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> }
  cause?: unknown
}

/** Anything thrown, read as an ErrorShape: a string or undefined has none of its fields. */
export function errorShape(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? error : {}
}

/** The message of anything thrown, for logs. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
