// Retries for transient failures only, with full-jitter exponential backoff, all under one
// deadline for the whole main step (src/deadline.ts). A bad configuration fails on its first answer.

import * as core from '@actions/core'
import type { Deadline } from './deadline.js'
import { ActionError, messageOf } from './errors.js'
import type { ErrorShape } from './types.js'

/** A failure worth another try: the caller's own calls (OIDC, docker) throw it to say so. */
export class TransientError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TransientError'
  }
}

export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_BACKOFF = { baseDelayMs: 250, maxDelayMs: 8000 } as const

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'IDPCommunicationError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError'
])

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET'
])

/** Throttling, 5xx and network failures; never AccessDenied, validation errors or a 401. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true
  if (typeof error !== 'object' || error === null) return false
  const shape = error as ErrorShape
  if (shape.name === 'AbortError') return false
  if (shape.$retryable) return true
  const names = [shape.name, shape.Code]
  if (names.some(name => name !== undefined && TRANSIENT_NAMES.has(name))) return true
  if (shape.code && TRANSIENT_CODES.has(shape.code)) return true
  // STS fails this way when it cannot reach GitHub's JWKS endpoint, which is GitHub's hiccup.
  const invalidToken = names.some(name => name === 'InvalidIdentityToken' || name === 'InvalidIdentityTokenException')
  if (invalidToken && /verification key/i.test(shape.message ?? '')) return true
  const status = shape.$metadata?.httpStatusCode
  if (status !== undefined && (status === 429 || status >= 500)) return true
  return shape.cause !== undefined && shape.cause !== error && isTransient(shape.cause)
}

export interface RetryOptions {
  policy: RetryPolicy
  deadline: Deadline
  isTransient?: (error: unknown) => boolean
  random?: () => number
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortReason(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Full jitter: a uniformly random delay up to the exponential cap (AWS Architecture Blog). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(random() * cap)
}

/**
 * Calls `call` until it succeeds, fails for good, or runs out of attempts. `what` names the
 * call in the log and in the timeout message.
 */
export async function withRetry<T>(
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  { policy, deadline, isTransient: transient = isTransient, random }: RetryOptions
): Promise<T> {
  return deadline.track(what, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(deadline.signal)
      } catch (error) {
        if (deadline.signal.aborted || !transient(error)) throw error
        if (attempt >= policy.maxAttempts) {
          throw new ActionError(
            `${what} failed ${attempt} time(s) with a transient error, the last: ${messageOf(error)}. ` +
              `It may be throttled or unavailable; try again later, or raise 'retry-max-attempts'.`,
            { cause: error }
          )
        }
        const delay = backoffDelay(attempt, policy, random)
        core.info(
          `${what} failed (${messageOf(error)}); retrying in ${(delay / 1000).toFixed(1)} s ` +
            `(attempt ${attempt + 1} of ${policy.maxAttempts})`
        )
        await sleep(delay, deadline.signal)
      }
    }
  })
}
