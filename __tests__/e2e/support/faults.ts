// Fault injection shared by the suite's HTTP fronts: the first N matching requests get a fault.

import type { IncomingMessage, ServerResponse } from 'node:http'

export type Fault =
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'stall'; ms: number }

interface Rule<Call> {
  match: (call: Call) => boolean
  faults: Fault[]
}

/** A queue of faults per rule; each matching request takes the next one. */
export class FaultPlan<Call> {
  private rules: Rule<Call>[] = []

  add(match: (call: Call) => boolean, faults: Fault[]): void {
    this.rules.push({ match, faults: [...faults] })
  }

  clear(): void {
    this.rules = []
  }

  take(call: Call): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.faults.length > 0 && rule.match(call)) return rule.faults.shift()
    }
    return undefined
  }
}

/**
 * Applies a fault. Returns true when the request is finished (answered or dropped); false when
 * it should go on normally (after a stall).
 */
export async function applyFault(fault: Fault, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'reset':
      request.socket.destroy()
      return true
    case 'status':
      response.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain', ...fault.headers })
      response.end(fault.body ?? `injected ${fault.status}`)
      return true
    case 'stall':
      await new Promise(resolve => setTimeout(resolve, fault.ms))
      // The client gave up waiting: nothing to answer.
      return request.socket.destroyed
  }
}

/** Repeats a fault n times, e.g. times(3, { kind: 'reset' }). */
export function times(n: number, fault: Fault): Fault[] {
  return Array.from({ length: n }, () => fault)
}

/**
 * A predicate true from the first request it sees until `ms` later: with a long list of faults,
 * a front that throttles for a set time, then answers.
 */
export function during(ms: number): () => boolean {
  let since: number | undefined
  return () => {
    since ??= Date.now()
    return Date.now() - since < ms
  }
}
