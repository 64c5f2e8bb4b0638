// Retries for transient failures only, with full-jitter exponential backoff, all under one
// deadline for the whole main step (deadline.ts); and the CallContext every remote call is
// handed. A bad configuration fails on its first answer.

import * as core from '@actions/core'
import { getRetryAfterHint, isThrottlingError, isTransientError } from '@smithy/core/retry'
import { describeAwsError } from './aws-errors.js'
import type { Deadline } from './deadline.js'
import { ActionError, errorShape, type ErrorShape, messageOf, ThrottlingError, TransientError } from './errors.js'
import { logText } from './log-text.js'
import type { Agents } from './network.js'

export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
}

/** What every remote call of the step runs with: one retry policy, one deadline, one pair of agents. */
export interface CallContext {
  retry: RetryPolicy
  deadline: Deadline
  agents: Agents
}

export const DEFAULT_BACKOFF = { baseDelayMs: 250, maxDelayMs: 8000 } as const

/** The step's policy: `retry-max-attempts` tries, with the default backoff. */
export function retryPolicy(maxAttempts: number): RetryPolicy {
  return { maxAttempts, ...DEFAULT_BACKOFF }
}

/**
 * The longest wait between two throttled attempts, shorter than for other failures: a throttled
 * quota frees up continuously, and the jobs still waiting must notice soon or it goes unused
 * (bench/simulate.ts: 64 jobs on a 3/s quota log in 2.6 s sooner than with a 10 s cap, for 13%
 * more calls).
 */
export const THROTTLING_MAX_DELAY_MS = 5000

type SdkError = Parameters<typeof isTransientError>[0]

// What @smithy's classifiers (the SDK's own retry decisions) do not cover: STS failing to reach
// GitHub, and network errors that Node and undici report under other codes.
const MORE_TRANSIENT_NAMES = new Set(['IDPCommunicationError'])
const MORE_TRANSIENT_CODES = new Set(['ECONNABORTED', 'ENETDOWN', 'UND_ERR_SOCKET'])

/** The shape to classify; undefined for an abort, which is never retried. */
function retryableShape(error: unknown): ErrorShape | undefined {
  const shape = errorShape(error)
  return shape.name === 'AbortError' ? undefined : shape
}

/** How long an answer asked us to wait (`Retry-After`, `x-amz-retry-after`), as the SDK reads it. */
export function retryAfterMs(response: unknown): number | undefined {
  const until = getRetryAfterHint(response)
  return until === undefined ? undefined : Math.max(0, until.getTime() - Date.now())
}

/** "Slow down": HTTP 429, the SDK's throttling codes (`ThrottlingException`, `Throttling`, …). */
export function isThrottling(error: unknown): boolean {
  if (error instanceof ThrottlingError) return true
  const shape = retryableShape(error)
  if (!shape) return false
  if (isThrottlingError(shape as SdkError)) return true
  // An AWS answer that says so in words only.
  return shape.$metadata !== undefined && /^rate exceeded/i.test(shape.message ?? '')
}

/**
 * Throttling, HTTP 500/502/503/504 and network failures as the AWS SDK classifies them for its own
 * retries, and the few it does not know; never AccessDenied, validation errors or a 401.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (error instanceof TransientError) return true
  const shape = retryableShape(error)
  if (!shape) return false
  if (isThrottling(error) || isTransientError(shape as SdkError)) return true
  const names = [shape.name, shape.Code]
  if (names.some(name => name !== undefined && MORE_TRANSIENT_NAMES.has(name))) return true
  if (shape.code && MORE_TRANSIENT_CODES.has(shape.code)) return true
  // STS fails this way when it cannot reach GitHub's JWKS endpoint, which is GitHub's hiccup.
  const invalidToken = names.some(name => name === 'InvalidIdentityToken' || name === 'InvalidIdentityTokenException')
  if (invalidToken && /verification key/i.test(shape.message ?? '')) return true
  return shape.cause !== undefined && shape.cause !== error && depth < 10 && isTransient(shape.cause, depth + 1)
}

/** Time for the retry loop: the real clock by default; a virtual one in the matrix simulation. */
interface Clock {
  now(): number
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

/** The call's context; the rest is for tests and the matrix simulation. */
export interface RetryOptions {
  retry: RetryPolicy
  deadline: Pick<Deadline, 'signal' | 'track'>
  isTransient?: (error: unknown) => boolean
  random?: () => number
  clock?: Clock
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

const REAL_CLOCK: Clock = { now: () => Date.now(), sleep }

/** Full jitter: a uniformly random delay up to the exponential cap (AWS Architecture Blog). */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(random() * cap)
}

/**
 * The wait after the `throttled`th throttled answer: full jitter up to THROTTLING_MAX_DELAY_MS, and
 * never less than the answer's Retry-After.
 */
export function throttlingDelay(
  throttled: number,
  policy: Pick<RetryPolicy, 'baseDelayMs'>,
  retryAfter: number | undefined,
  random: () => number = Math.random
): number {
  const jitter = backoffDelay(
    throttled,
    { baseDelayMs: policy.baseDelayMs, maxDelayMs: THROTTLING_MAX_DELAY_MS },
    random
  )
  return Math.max(jitter, retryAfter ?? 0)
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** How the log quotes a failure: an AWS SDK error as AWS's code and message (or, for an answer that
 * is not from AWS, what came instead); anything else by its message. */
function quote(error: unknown): string {
  return errorShape(error).$metadata !== undefined ? describeAwsError(error) : logText(messageOf(error))
}

const THROTTLING_HELP =
  "the account's rate quota is shared by every job calling at that moment: raise 'timeout-seconds', " +
  "or run fewer jobs at once (the matrix's 'max-parallel')"

/**
 * Calls `call` until it succeeds, fails for good, or runs out of attempts. Throttling is retried
 * until the deadline; other transient failures `policy.maxAttempts` times. `what` names the call
 * in the log and in the timeout message.
 */
export async function withRetry<T>(
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  { retry: policy, deadline, isTransient: transient = isTransient, random, clock = REAL_CLOCK }: RetryOptions
): Promise<T> {
  let failures = 0
  let throttled = 0
  let throttledSince = 0
  // What the deadline's message names while this call waits: once throttled, it says so and why.
  const waitingFor = (): string =>
    throttled === 0
      ? what
      : `${what}, throttled ${throttled} time(s) over ${seconds(clock.now() - throttledSince)} (${THROTTLING_HELP})`
  for (;;) {
    // Nothing starts once the step has given up.
    deadline.signal.throwIfAborted()
    try {
      const result = await deadline.track(waitingFor(), () => call(deadline.signal))
      if (throttled > 0) {
        core.info(
          `${what} went through after ${throttled} throttled attempt(s) and ${seconds(clock.now() - throttledSince)} of waiting`
        )
      }
      return result
    } catch (error) {
      if (deadline.signal.aborted || !transient(error)) throw error
      let delay: number
      if (isThrottling(error)) {
        if (throttled++ === 0) {
          throttledSince = clock.now()
          core.info(
            `${what} is throttled (${quote(error)}); retrying with backoff of up to ` +
              `${seconds(THROTTLING_MAX_DELAY_MS)} until it goes through or the step's deadline passes`
          )
        }
        const retryAfter =
          error instanceof ThrottlingError ? error.retryAfterMs : retryAfterMs(errorShape(error).$response)
        delay = throttlingDelay(throttled, policy, retryAfter, random)
      } else {
        if (++failures >= policy.maxAttempts) {
          throw new ActionError(
            `${what} failed ${failures} time(s) with a transient error, the last: ${quote(error)}. ` +
              `Try again later, or raise 'retry-max-attempts'.`,
            { cause: error }
          )
        }
        delay = backoffDelay(failures, policy, random)
        core.info(
          `${what} failed (${quote(error)}); retrying in ${seconds(delay)} ` +
            `(attempt ${failures + 1} of ${policy.maxAttempts})`
        )
      }
      await deadline.track(waitingFor(), () => clock.sleep(delay, deadline.signal))
    }
  }
}
