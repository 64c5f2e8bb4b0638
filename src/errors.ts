// Errors a user can act on. Their messages are shown as they are, so they name the input or the
// cause and the fix, and never contain a secret.

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

/** The message of anything thrown, for logs. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
