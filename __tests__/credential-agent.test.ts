import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { keyMatches, run, type RunningAgent } from '../src/credential-agent.js'
import type { AgentStart, HandoverLine, RenewalPlan } from '../src/credential-handover.js'
import { type AgentEndpoint, askAgent } from '../src/credential-protocol.js'
import type { Renewal } from '../src/credential-store.js'

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const LIMITS = { connectMs: 1000, answerMs: 2000 }
const PLAN = { groups: [], stsRegion: 'eu-west-1', awsEnv: {}, proxy: {}, retryMaxAttempts: 1, timeoutSeconds: 5 }
const running: RunningAgent[] = []
const dirs: string[] = []

afterEach(() => {
  for (const agent of running.splice(0)) agent.stop()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An agent in this process, fed `lines` on its pipe, its exit recorded instead of ending the tests. */
async function startWith(
  overrides: Partial<AgentStart> = {},
  options: { renew?: (plan: RenewalPlan) => Promise<Renewal>; logins?: HandoverLine[] } = {}
) {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-agent-'))
  dirs.push(dir)
  const start: AgentStart = {
    address: join(dir, 'agent.sock'),
    key: 'the-job-key',
    dir,
    configFile: join(dir, 'config.json'),
    maxLifetimeMs: 60_000,
    ...overrides
  }
  writeFileSync(join(dir, 'agent.json'), JSON.stringify({ address: start.address, key: start.key }))
  const pipe = new PassThrough()
  const exit = vi.fn()
  pipe.write(`${JSON.stringify({ start })}\n`)
  for (const line of options.logins ?? []) pipe.write(`${JSON.stringify(line)}\n`)
  const agentRun = run(pipe, { exit, renew: options.renew, watchIntervalMs: 50 })
  // The logins are read once the socket listens: wait until they are held.
  const endpoint: AgentEndpoint = { address: start.address, key: start.key }
  for (let tries = 0; tries < 100; tries++) {
    const listed = await askAgent(endpoint, { action: 'list' }, LIMITS).catch(() => undefined)
    if (listed && Object.keys(listed.servers ?? {}).length === (options.logins ?? []).length) break
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  pipe.end()
  const agent = await agentRun
  running.push(agent)
  return { agent, endpoint, exit, dir, start }
}

const login = (expiresAt = '2099-01-01T00:00:00.000Z'): HandoverLine => ({
  login: { host: HOST, username: 'AWS', password: 'pw-1', expiresAt, previousHelper: 'ecr-login' }
})

describe('credential agent', () => {
  it('answers with the logins handed over on its pipe', async () => {
    const { endpoint } = await startWith({}, { logins: [login()] })
    expect(await askAgent(endpoint, { action: 'get', serverURL: HOST }, LIMITS)).toEqual({
      ok: true,
      username: 'AWS',
      secret: 'pw-1'
    })
  })

  it('refuses a request without the job’s key, and says nothing of what it holds', async () => {
    const { endpoint } = await startWith({}, { logins: [login()] })
    const answer = await askAgent({ ...endpoint, key: 'guess' }, { action: 'get', serverURL: HOST }, LIMITS)
    expect(answer).toEqual({ ok: false, error: 'the request does not carry this job’s key' })
  })

  it('stops when asked: answers first, then removes its socket and key and exits 0', async () => {
    const { endpoint, exit, dir } = await startWith({}, { logins: [login()] })
    expect(await askAgent(endpoint, { action: 'stop' }, LIMITS)).toEqual({ ok: true })
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0))
    expect(existsSync(join(dir, 'agent.sock'))).toBe(false)
    expect(existsSync(join(dir, 'agent.json'))).toBe(false)
    expect(existsSync(dir)).toBe(true)
  })

  it('ends when the runner process it watches is gone, and puts the config’s entries back', async () => {
    const runner = spawn('sleep', ['30'])
    const { exit, dir, start } = await startWith({ watchPid: runner.pid }, { logins: [login()] })
    const config = { auths: { [HOST]: {} }, credHelpers: { [HOST]: 'ecr-login-action', 'gcr.io': 'gcloud' } }
    writeFileSync(start.configFile, JSON.stringify(config))
    await new Promise(resolve => setTimeout(resolve, 150))
    expect(exit).not.toHaveBeenCalled()
    runner.kill('SIGKILL')
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0), { timeout: 1000 })
    expect(existsSync(join(dir, 'agent.sock'))).toBe(false)
    // The entry the config had before main's, amazon-ecr-credential-helper's, is back.
    expect(JSON.parse(readFileSync(start.configFile, 'utf8'))).toEqual({
      auths: {},
      credHelpers: { [HOST]: 'ecr-login', 'gcr.io': 'gcloud' }
    })
  })

  it('ends when its folder is removed, and after its maximum lifetime', async () => {
    const first = await startWith()
    rmSync(first.dir, { recursive: true })
    await vi.waitFor(() => expect(first.exit).toHaveBeenCalledWith(0), { timeout: 1000 })
    const second = await startWith({ maxLifetimeMs: 300 })
    await vi.waitFor(() => expect(second.exit).toHaveBeenCalledWith(0), { timeout: 1000 })
  })

  it('renews before the expiry with the plan it was handed, and answers with the new password', async () => {
    const renew = vi.fn((): Promise<Renewal> =>
      Promise.resolve({
        logins: [{ host: HOST, username: 'AWS', password: 'pw-2', expiresAt: Date.now() + 3600_000 }],
        failures: []
      })
    )
    const { endpoint } = await startWith(
      { renewal: PLAN },
      { renew, logins: [login(new Date(Date.now() + 800).toISOString())] }
    )
    // A quarter of the 0.8 s lifetime before the expiry.
    await vi.waitFor(() => expect(renew).toHaveBeenCalledTimes(1), { timeout: 1000 })
    expect(renew).toHaveBeenCalledWith(PLAN)
    expect(await askAgent(endpoint, { action: 'get', serverURL: HOST }, LIMITS)).toMatchObject({ secret: 'pw-2' })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(renew).toHaveBeenCalledTimes(1)
  })

  it('exits 2 without a start line', async () => {
    const pipe = new PassThrough()
    const exit = vi.fn()
    pipe.end('not json\n')
    await expect(run(pipe, { exit })).rejects.toThrow('no start line')
    expect(exit).toHaveBeenCalledWith(2)
  })
})

describe('keyMatches', () => {
  it.each([
    ['k3y', 'k3y', true],
    ['k3y', 'k3Y', false],
    ['k3y', 'k3', false],
    ['k3y', undefined, false],
    ['k3y', 42, false]
  ])('%j against %j: %j', (expected, given, matches) => {
    expect(keyMatches(expected, given)).toBe(matches)
  })
})
