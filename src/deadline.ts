// One deadline for the whole main step, built from AbortSignal.timeout and the run's
// cancellation. Every remote call registers what it waits for, so that the message can name it.

import { ActionError } from './errors.js'

export class Deadline {
  /** Aborts when the deadline passes or the run is cancelled. */
  readonly signal: AbortSignal
  private readonly waiting = new Map<number, string>()
  private nextId = 0

  /**
   * @param cancel aborts when the run is cancelled (its reason is the message)
   * @param timeout the deadline itself; tests pass a signal they abort by hand
   */
  constructor(
    readonly timeoutSeconds: number,
    cancel?: AbortSignal,
    timeout: AbortSignal = AbortSignal.timeout(timeoutSeconds * 1000)
  ) {
    this.signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout
  }

  /** Runs `work`, naming it as what the step waits for until it settles. */
  async track<T>(what: string, work: () => Promise<T>): Promise<T> {
    const id = this.nextId++
    this.waiting.set(id, what)
    try {
      return await work()
    } finally {
      this.waiting.delete(id)
    }
  }

  /** Why the step stopped, naming what it was waiting for at that moment. */
  private failure(): ActionError {
    const what = [...new Set(this.waiting.values())].join(', ') || 'the next step'
    const reason: unknown = this.signal.reason
    if (reason instanceof ActionError) return new ActionError(`${reason.message} while waiting for ${what}.`)
    return new ActionError(
      `Timed out after ${this.timeoutSeconds} s (timeout-seconds) while waiting for ${what}. ` +
        `Check the network path to it, or raise 'timeout-seconds'.`
    )
  }

  /** Rejects with the message naming what is awaited when the signal aborts; never resolves. */
  expired(): Promise<never> {
    return new Promise((_resolve, reject) => {
      if (this.signal.aborted) reject(this.failure())
      else this.signal.addEventListener('abort', () => reject(this.failure()), { once: true })
    })
  }

  /** Runs `work` but gives up when the deadline passes or the run is cancelled. */
  race<T>(work: Promise<T>): Promise<T> {
    const expired = this.expired()
    expired.catch(() => undefined)
    return Promise.race([work, expired])
  }
}

// How the runner cancels a step: SIGINT, then SIGTERM if it still runs; on Windows CTRL_C then
// CTRL_BREAK, which Node delivers as SIGINT and SIGBREAK (never SIGTERM).
const CANCEL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK'] as const

/** Aborts when the runner cancels the run. */
export function cancellation(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const cancel = (name: NodeJS.Signals): void => controller.abort(new ActionError(`The run was cancelled (${name})`))
  for (const name of CANCEL_SIGNALS) process.on(name, cancel)
  const dispose = (): void => CANCEL_SIGNALS.forEach(name => process.off(name, cancel))
  return { signal: controller.signal, dispose }
}
