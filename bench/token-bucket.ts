// A token bucket as AWS describes its API rate quotas: `burst` tokens at most, refilled at `rate`
// per second; a request that finds no token is throttled (and costs nothing). The clock is given,
// so that the same bucket serves the real matrix run (wall time) and the simulation (virtual time).

export class TokenBucket {
  private tokens: number
  private last: number
  /** Requests answered and throttled so far. */
  answered = 0
  throttled = 0

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now()
  ) {
    this.tokens = burst
    this.last = now()
  }

  /** Takes a token if there is one: true means answer the request, false means throttle it. */
  take(): boolean {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      this.answered++
      return true
    }
    this.throttled++
    return false
  }

  toString(): string {
    return `${this.rate}/s burst ${this.burst}`
  }
}

/** Parses `rate/burst`, e.g. `3/5`. */
export function parseQuota(text: string): { rate: number; burst: number } {
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(text)
  if (!match) throw new Error(`a quota is rate/burst, e.g. 3/5; got '${text}'`)
  return { rate: Number(match[1]), burst: Number(match[2]) }
}
