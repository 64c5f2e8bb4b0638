// A virtual clock for the simulation: sleeps resolve in time order, instantly, with every promise
// chain they start run to its next sleep before time moves on. No timers, no sockets.

interface Wake {
  at: number
  seq: number
  resolve: () => void
  cancelled: boolean
}

export class VirtualTime {
  now = 0
  private heap: Wake[] = []
  private seq = 0

  /** Resolves after `ms` of virtual time; rejects with the signal's reason if it aborts first. */
  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error)
      const wake: Wake = { at: this.now + Math.max(0, ms), seq: this.seq++, resolve, cancelled: false }
      const onAbort = (): void => {
        wake.cancelled = true
        reject(signal!.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      wake.resolve = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      this.push(wake)
    })

  /** Runs until nothing is left to wake. */
  async run(): Promise<void> {
    for (;;) {
      // Let every continuation run up to its next sleep before time moves on.
      await new Promise(resolve => setImmediate(resolve))
      const next = this.pop()
      if (!next) return
      this.now = next.at
      if (!next.cancelled) next.resolve()
      while (this.heap.length > 0 && this.heap[0].at === this.now) {
        const same = this.pop()!
        if (!same.cancelled) same.resolve()
      }
    }
  }

  private before(a: Wake, b: Wake): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private push(wake: Wake): void {
    const heap = this.heap
    heap.push(wake)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(heap[i], heap[parent])) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }

  private pop(): Wake | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && this.before(heap[left], heap[smallest])) smallest = left
        if (right < heap.length && this.before(heap[right], heap[smallest])) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest], heap[i]]
        i = smallest
      }
    }
    return top
  }
}

/** A seeded PRNG (mulberry32), so that a simulation run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
