import { describe, expect, it } from 'vitest'
import { cancellation, Deadline } from '../src/deadline.js'
import { ActionError } from '../src/errors.js'

const never = (): Promise<never> => new Promise(() => undefined)

/** A deadline whose time runs out when the test says so. */
function manualDeadline(seconds: number, cancel?: AbortSignal) {
  const timeout = new AbortController()
  return {
    deadline: new Deadline(seconds, cancel, timeout.signal),
    pass: () => timeout.abort(new DOMException('timed out', 'TimeoutError'))
  }
}

describe('Deadline', () => {
  it('passes on time, by AbortSignal.timeout, naming what was waited for and timeout-seconds', async () => {
    const deadline = new Deadline(0.05)
    const started = Date.now()
    const error = await deadline
      .race(deadline.track('docker login to public.ecr.aws', never))
      .catch((caught: unknown) => caught)
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
    expect(error).toBeInstanceOf(ActionError)
    expect((error as ActionError).message).toBe(
      'Timed out after 0.05 s (timeout-seconds) while waiting for docker login to public.ecr.aws. ' +
        "Check the network path to it, or raise 'timeout-seconds'."
    )
    expect(deadline.signal.aborted).toBe(true)
  })

  it('names every call still waiting once, and not those that finished', async () => {
    const { deadline, pass } = manualDeadline(1)
    await deadline.track("GitHub's OIDC token request", () => Promise.resolve('token'))
    void deadline.track('ECR GetAuthorizationToken in eu-west-1', never)
    void deadline.track('ECR GetAuthorizationToken in eu-west-1', never)
    void deadline.track('ECR Public GetAuthorizationToken in us-east-1', never)
    const settled = deadline.expired().catch((error: unknown) => error)
    pass()
    expect((await settled) as Error).toHaveProperty(
      'message',
      'Timed out after 1 s (timeout-seconds) while waiting for ECR GetAuthorizationToken in eu-west-1, ' +
        "ECR Public GetAuthorizationToken in us-east-1. Check the network path to it, or raise 'timeout-seconds'."
    )
  })

  it('says "the next step" when nothing was waiting, and forgets a call that failed', async () => {
    const { deadline, pass } = manualDeadline(1)
    await expect(deadline.track('docker login to x', () => Promise.reject(new Error('no')))).rejects.toThrow('no')
    pass()
    expect(((await deadline.expired().catch((error: unknown) => error)) as Error).message).toContain(
      'while waiting for the next step.'
    )
  })

  it('aborts with the cancellation, naming it and what was waited for', async () => {
    const cancel = new AbortController()
    const { deadline } = manualDeadline(60, cancel.signal)
    const pending = deadline.race(deadline.track('docker login to x', never)).catch((error: unknown) => error)
    cancel.abort(new ActionError('The run was cancelled (SIGINT)'))
    expect(deadline.signal.aborted).toBe(true)
    expect(((await pending) as Error).message).toBe(
      'The run was cancelled (SIGINT) while waiting for docker login to x.'
    )
  })

  it('lets work that finishes in time through', async () => {
    const { deadline } = manualDeadline(30)
    await expect(deadline.race(Promise.resolve('done'))).resolves.toBe('done')
    await expect(deadline.race(Promise.reject(new Error('own failure')))).rejects.toThrow('own failure')
    expect(deadline.signal.aborted).toBe(false)
  })
})

describe('cancellation', () => {
  // The runner's cancel: SIGINT then SIGTERM on Linux and macOS; CTRL_C then CTRL_BREAK on Windows.
  it.each(['SIGINT', 'SIGTERM', 'SIGBREAK'] as const)('aborts on %s, naming it, and lets go of it', name => {
    const listeners = process.listenerCount(name)
    const { signal, dispose } = cancellation()
    try {
      process.emit(name, name)
      expect(signal.aborted).toBe(true)
      expect((signal.reason as Error).message).toBe(`The run was cancelled (${name})`)
    } finally {
      dispose()
    }
    expect(process.listenerCount(name)).toBe(listeners)
  })
})
