// The credential agent's memory: one entry per registry host, the answers to the helper's requests,
// and when to renew. No I/O: the agent (credential-agent.ts) gives it the clock and the renewal.

import { type AgentAnswer, type AgentRequest, HELPER_NAME, serverKey } from './credential-protocol.js'
import { logText } from './log-text.js'

/** A login as the agent holds it; `expiresAt` in ms since the epoch. */
export interface HeldLogin {
  host: string
  username: string
  password: string
  expiresAt?: number
}

/** What one renewal got: fresh logins, and a message per registry group it could not renew. */
export interface Renewal {
  logins: HeldLogin[]
  failures: string[]
}

interface Entry {
  username: string
  secret: string
  expiresAt?: number
  obtainedAt: number
  /** false once a client stored other credentials for the host: those are not ours to replace. */
  renewable: boolean
}

// Renew a quarter of the lifetime before the expiry, at most this long before it (ECR: 12 h tokens).
const RENEW_MARGIN_MAX_MS = 30 * 60_000
// Never two renewals closer than this, whatever the tokens say.
const MIN_RENEWAL_INTERVAL_MS = 1_000
// After a failed renewal: 2 s, 4 s, … up to a minute between tries.
const RETRY_FIRST_MS = 2_000
const RETRY_MAX_MS = 60_000
/** How long a `get` for an expired password waits for the renewal before answering. */
const RENEWAL_WAIT_MS = 10_000

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

export class CredentialStore {
  private readonly entries = new Map<string, Entry>()
  private failure?: { message: string; at: number; count: number }
  private lastRenewal = -Infinity
  private renewing?: Promise<void>
  /** Renewals that got every group's tokens. */
  renewals = 0

  /**
   * @param renew gets fresh logins for every group; undefined when nothing can renew them
   * @param now the clock, in ms since the epoch
   */
  constructor(
    private readonly renew: (() => Promise<Renewal>) | undefined,
    private readonly now: () => number = Date.now
  ) {}

  /**
   * Holds a login main handed over (or a renewal got): ours, renewed before it expires. An expiry
   * already past when the token arrives says that this clock and AWS's disagree (main warns): such
   * a token is held as it is, neither expired nor renewed, lest the agent renew it without end.
   */
  hold(login: HeldLogin): void {
    const now = this.now()
    this.entries.set(serverKey(login.host), {
      username: login.username,
      secret: login.password,
      expiresAt: login.expiresAt !== undefined && login.expiresAt > now ? login.expiresAt : undefined,
      obtainedAt: now,
      renewable: true
    })
  }

  /** When to renew next (ms since the epoch); undefined when nothing needs it. */
  nextRenewal(): number | undefined {
    if (!this.renew) return undefined
    const times = [...this.entries.values()].flatMap(entry => {
      if (!entry.renewable || entry.expiresAt === undefined) return []
      const margin = Math.min(RENEW_MARGIN_MAX_MS, (entry.expiresAt - entry.obtainedAt) / 4)
      return [entry.expiresAt - Math.max(0, margin)]
    })
    if (times.length === 0) return undefined
    const due = Math.max(Math.min(...times), this.lastRenewal + MIN_RENEWAL_INTERVAL_MS)
    if (!this.failure) return due
    const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failure.count - 1))
    return Math.max(due, this.failure.at + backoff)
  }

  /** Renews every renewable entry; one renewal at a time, shared by whoever asks meanwhile. */
  renewNow(): Promise<void> {
    if (!this.renew) return Promise.resolve()
    this.renewing ??= this.runRenewal(this.renew).finally(() => (this.renewing = undefined))
    return this.renewing
  }

  private async runRenewal(renew: () => Promise<Renewal>): Promise<void> {
    this.lastRenewal = this.now()
    let renewal: Renewal
    try {
      renewal = await renew()
    } catch (error) {
      renewal = { logins: [], failures: [error instanceof Error ? error.message : String(error)] }
    }
    for (const login of renewal.logins) {
      // Only what is still ours: an erased host stays erased, a client's own credentials stay.
      if (this.entries.get(serverKey(login.host))?.renewable) this.hold(login)
    }
    if (renewal.failures.length === 0) {
      this.failure = undefined
      this.renewals++
    } else {
      // Shown in a later step's log, through docker: one line, no command.
      const message = logText(renewal.failures.join('; '))
      this.failure = { message, at: this.now(), count: (this.failure?.count ?? 0) + 1 }
    }
  }

  private expired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now()
  }

  private async get(serverURL: string): Promise<AgentAnswer> {
    const key = serverKey(serverURL)
    const shown = logText(key)
    let entry = this.entries.get(key)
    if (!entry) return { ok: false, notFound: true }
    if (this.expired(entry) && entry.renewable && this.renew) {
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<void>(resolve => (timer = setTimeout(resolve, RENEWAL_WAIT_MS)))
      await Promise.race([this.renewNow(), waited])
      clearTimeout(timer)
      entry = this.entries.get(key)
      if (!entry) return { ok: false, notFound: true }
    }
    const because = this.failure ? `: ${this.failure.message}` : ''
    if (this.expired(entry)) {
      return {
        ok: false,
        error: `${HELPER_NAME}: the ECR password for ${shown} expired at ${iso(entry.expiresAt!)} and could not be renewed${because}`
      }
    }
    const warning =
      this.failure && entry.renewable && entry.expiresAt !== undefined
        ? `${HELPER_NAME}: could not renew the ECR password for ${shown}, valid until ${iso(entry.expiresAt)}; ` +
          `retrying${because}`
        : undefined
    return { ok: true, username: entry.username, secret: entry.secret, warning }
  }

  /** The answer to a helper's request (`stop` and `ping` are the agent's). */
  async answer(request: AgentRequest): Promise<AgentAnswer> {
    switch (request.action) {
      case 'get':
        return this.get(request.serverURL)
      case 'store': {
        const key = serverKey(request.serverURL)
        const held = this.entries.get(key)
        // docker login hands back what main handed over: still ours. Anything else is the client's.
        const same = held?.username === request.username && held.secret === request.secret
        if (!same) {
          this.entries.set(key, {
            username: request.username,
            secret: request.secret,
            obtainedAt: this.now(),
            renewable: false
          })
        }
        return { ok: true }
      }
      case 'erase':
        this.entries.delete(serverKey(request.serverURL))
        return { ok: true }
      case 'list':
        return {
          ok: true,
          servers: Object.fromEntries([...this.entries].map(([host, entry]) => [host, entry.username]))
        }
      default:
        return { ok: true }
    }
  }
}
