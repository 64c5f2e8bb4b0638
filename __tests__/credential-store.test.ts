import { describe, expect, it, vi } from 'vitest'
import { CredentialStore, type Renewal } from '../src/credential-store.js'

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const OTHER = '210987654321.dkr.ecr.us-east-1.amazonaws.com'
const HOUR = 3600_000

/** A store on a clock the test moves; `renewals` answers each renewal in turn. */
function storeWith(renewals: (Renewal | Error)[] = [], start = Date.UTC(2030, 0, 1)) {
  const clock = { now: start }
  const renew = vi.fn((): Promise<Renewal> => {
    const next = renewals.shift() ?? { logins: [], failures: ['no more renewals in this test'] }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next)
  })
  return { store: new CredentialStore(renew, () => clock.now), renew, clock }
}

describe('CredentialStore answers', () => {
  it('gives the login held for a host, by any form of its URL; nothing for other hosts', async () => {
    const { store, clock } = storeWith()
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt: clock.now + 12 * HOUR })
    const found = { ok: true, username: 'AWS', secret: 'pw-1', warning: undefined }
    expect(await store.answer({ action: 'get', serverURL: HOST })).toEqual(found)
    expect(await store.answer({ action: 'get', serverURL: `https://${HOST}/v2/` })).toEqual(found)
    expect(await store.answer({ action: 'get', serverURL: OTHER })).toEqual({ ok: false, notFound: true })
  })

  it('lists, erases, and keeps what a client stores without renewing it', async () => {
    const { store, clock, renew } = storeWith()
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt: clock.now + 12 * HOUR })
    expect(await store.answer({ action: 'store', serverURL: OTHER, username: 'ci', secret: 's' })).toEqual({ ok: true })
    expect(await store.answer({ action: 'list' })).toEqual({ ok: true, servers: { [HOST]: 'AWS', [OTHER]: 'ci' } })
    expect(await store.answer({ action: 'erase', serverURL: HOST })).toEqual({ ok: true })
    expect(await store.answer({ action: 'get', serverURL: HOST })).toEqual({ ok: false, notFound: true })
    expect(store.nextRenewal()).toBeUndefined()
    expect(renew).not.toHaveBeenCalled()
  })

  it('keeps renewing a login docker login stores back as it was handed over, in either order', async () => {
    const { store, clock } = storeWith()
    const expiresAt = clock.now + 12 * HOUR
    // docker login's store may reach the agent before main's login line.
    await store.answer({ action: 'store', serverURL: HOST, username: 'AWS', secret: 'pw-1' })
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt })
    await store.answer({ action: 'store', serverURL: HOST, username: 'AWS', secret: 'pw-1' })
    expect(store.nextRenewal()).toBe(expiresAt - 30 * 60_000)
    // Another password for the host is the client's own: no longer renewed.
    await store.answer({ action: 'store', serverURL: HOST, username: 'AWS', secret: 'theirs' })
    expect(store.nextRenewal()).toBeUndefined()
  })
})

describe('CredentialStore renewal', () => {
  it('is due a quarter of the lifetime before the expiry, at most 30 minutes before', () => {
    const { store, clock } = storeWith()
    store.hold({ host: HOST, username: 'AWS', password: 'p', expiresAt: clock.now + 12 * HOUR })
    expect(store.nextRenewal()).toBe(clock.now + 11.5 * HOUR)
    store.hold({ host: OTHER, username: 'AWS', password: 'p', expiresAt: clock.now + 8_000 })
    expect(store.nextRenewal()).toBe(clock.now + 6_000)
  })

  it('is never due without a way to renew, nor for a token that came already expired (clocks disagree)', () => {
    const alone = new CredentialStore(undefined)
    alone.hold({ host: HOST, username: 'AWS', password: 'p', expiresAt: Date.now() + HOUR })
    expect(alone.nextRenewal()).toBeUndefined()
    const { store, clock } = storeWith()
    store.hold({ host: HOST, username: 'AWS', password: 'p', expiresAt: clock.now - 1 })
    expect(store.nextRenewal()).toBeUndefined()
  })

  it('replaces the held logins with the renewed ones, and leaves an erased host erased', async () => {
    const { store, clock } = storeWith([
      {
        logins: [
          { host: HOST, username: 'AWS', password: 'pw-2', expiresAt: Date.UTC(2030, 0, 2) },
          { host: OTHER, username: 'AWS', password: 'other-2' }
        ],
        failures: []
      }
    ])
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt: clock.now + 12 * HOUR })
    store.hold({ host: OTHER, username: 'AWS', password: 'other-1', expiresAt: clock.now + 12 * HOUR })
    await store.answer({ action: 'erase', serverURL: OTHER })
    await store.renewNow()
    expect(store.renewals).toBe(1)
    expect(await store.answer({ action: 'get', serverURL: HOST })).toMatchObject({ secret: 'pw-2' })
    expect(await store.answer({ action: 'get', serverURL: OTHER })).toEqual({ ok: false, notFound: true })
    expect(store.nextRenewal()).toBe(Date.UTC(2030, 0, 2) - 30 * 60_000)
  })

  it('runs one renewal at a time, shared by whoever asks meanwhile', async () => {
    const { store, renew, clock } = storeWith([{ logins: [], failures: [] }])
    store.hold({ host: HOST, username: 'AWS', password: 'p', expiresAt: clock.now + HOUR })
    await Promise.all([store.renewNow(), store.renewNow(), store.renewNow()])
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('after a failure, tries again 2 s, 4 s, … later, at most a minute, and says why on each get', async () => {
    const refused = 'ECR GetAuthorizationToken in eu-west-1 was refused (AccessDeniedException)'
    const failures = Array.from({ length: 8 }, () => ({ logins: [], failures: [refused] }))
    const { store, clock } = storeWith([new Error('socket hang up'), ...failures])
    const expiresAt = clock.now + 12 * HOUR
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt })
    clock.now = expiresAt - 20 * 60_000
    const gaps: number[] = []
    for (let attempt = 0; attempt < 7; attempt++) {
      const at = clock.now
      await store.renewNow()
      gaps.push(store.nextRenewal()! - at)
      clock.now = store.nextRenewal()!
    }
    expect(gaps).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
    expect(await store.answer({ action: 'get', serverURL: HOST })).toEqual({
      ok: true,
      username: 'AWS',
      secret: 'pw-1',
      warning:
        `ecr-login-action: could not renew the ECR password for ${HOST}, valid until ` +
        `${new Date(expiresAt).toISOString()}; retrying: ${refused}`
    })
  })

  it('never renews twice within a second, whatever the tokens say', async () => {
    const { store, clock } = storeWith([
      { logins: [{ host: HOST, username: 'AWS', password: 'p2', expiresAt: 0 }], failures: [] }
    ])
    store.hold({ host: HOST, username: 'AWS', password: 'p', expiresAt: clock.now + 100 })
    await store.renewNow()
    store.hold({ host: HOST, username: 'AWS', password: 'p3', expiresAt: clock.now + 100 })
    expect(store.nextRenewal()).toBe(clock.now + 1_000)
  })

  it('a get for an expired password waits for the renewal and answers with the new one', async () => {
    const { store, clock, renew } = storeWith([
      { logins: [{ host: HOST, username: 'AWS', password: 'pw-2', expiresAt: Date.UTC(2030, 0, 3) }], failures: [] }
    ])
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt: clock.now + HOUR })
    clock.now += 2 * HOUR
    expect(await store.answer({ action: 'get', serverURL: HOST })).toMatchObject({ ok: true, secret: 'pw-2' })
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('says why on one line: a message from AWS cannot become a runner command in a later step’s log', async () => {
    const { store, clock } = storeWith([{ logins: [], failures: ['refused\n::add-mask::x ##[error]y'] }])
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt: clock.now + HOUR })
    await store.renewNow()
    const { warning } = await store.answer({ action: 'get', serverURL: HOST })
    expect(warning).toMatch(/retrying: refused\\n::add-mask::x ##\\\[error\]y$/)
  })

  it('an expired password that cannot be renewed is an error naming the host, the time and why', async () => {
    const { store, clock } = storeWith([{ logins: [], failures: ['STS refused (AccessDenied)'] }])
    const expiresAt = clock.now + HOUR
    store.hold({ host: HOST, username: 'AWS', password: 'pw-1', expiresAt })
    clock.now += 2 * HOUR
    const answer = await store.answer({ action: 'get', serverURL: HOST })
    expect(answer).toEqual({
      ok: false,
      error:
        `ecr-login-action: the ECR password for ${HOST} expired at ${new Date(expiresAt).toISOString()} ` +
        `and could not be renewed: STS refused (AccessDenied)`
    })
    expect(JSON.stringify(answer)).not.toContain('pw-1')
  })
})
