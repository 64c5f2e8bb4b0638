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

/** The message of anything thrown, for logs. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
