import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { run as runAgent, type RunningAgent } from '../src/credential-agent.js'
import { runHelper } from '../src/credential-helper.js'

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
let dir: string
let agent: RunningAgent | undefined
const servers: Server[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-login-helper-'))
})
afterEach(() => {
  agent?.stop()
  agent = undefined
  for (const server of servers.splice(0)) server.close()
  rmSync(dir, { recursive: true, force: true })
})

function writeEndpoint(address = join(dir, 'agent.sock')): void {
  writeFileSync(join(dir, 'agent.json'), JSON.stringify({ address, key: 'k' }))
}

async function startAgent(): Promise<void> {
  writeEndpoint()
  const pipe = new PassThrough()
  const start = {
    address: join(dir, 'agent.sock'),
    key: 'k',
    dir,
    configFile: join(dir, 'c.json'),
    maxLifetimeMs: 60_000
  }
  pipe.end(
    `${JSON.stringify({ start })}\n${JSON.stringify({ login: { host: HOST, username: 'AWS', password: 'pw-1', previousHelper: null } })}\n`
  )
  agent = await runAgent(pipe, { exit: vi.fn() })
}

/** One run of the helper as docker runs it: the action, stdin; what it printed and its exit code. */
async function helper(action: string | undefined, stdin = '', limits?: { connectMs: number; answerMs: number }) {
  let stdout = ''
  let stderr = ''
  const args = action === undefined ? [dir] : [dir, action]
  const code = await runHelper(
    args,
    { readStdin: () => Promise.resolve(stdin), stdout: text => (stdout += text), stderr: text => (stderr += text) },
    limits
  )
  return { code, stdout, stderr }
}

describe('docker-credential-ecr-login-action', () => {
  it('get: the credentials as docker reads them, for the server URL it was given', async () => {
    await startAgent()
    expect(await helper('get', `${HOST}\n`)).toEqual({
      code: 0,
      stdout: `${JSON.stringify({ ServerURL: HOST, Username: 'AWS', Secret: 'pw-1' })}\n`,
      stderr: ''
    })
    expect((await helper('get', `https://${HOST}`)).stdout).toContain(`"ServerURL":"https://${HOST}"`)
  })

  it('get for a host it does not hold: docker’s own "not found" words on stdout, exit 1', async () => {
    await startAgent()
    expect(await helper('get', 'ghcr.io')).toEqual({
      code: 1,
      stdout: 'credentials not found in native keychain\n',
      stderr: ''
    })
  })

  it('store, list and erase go to the agent', async () => {
    await startAgent()
    expect(await helper('store', JSON.stringify({ ServerURL: 'ghcr.io', Username: 'octocat', Secret: 's' }))).toEqual({
      code: 0,
      stdout: '',
      stderr: ''
    })
    expect(JSON.parse((await helper('list')).stdout)).toEqual({ [HOST]: 'AWS', 'ghcr.io': 'octocat' })
    expect((await helper('erase', HOST)).code).toBe(0)
    expect(JSON.parse((await helper('list')).stdout)).toEqual({ 'ghcr.io': 'octocat' })
  })

  it.each([
    ['get', '', 'no credentials server URL'],
    ['erase', ' \n', 'no credentials server URL'],
    ['store', '{"Username":"AWS","Secret":"s"}', 'no credentials server URL'],
    ['store', `{"ServerURL":"${HOST}","Secret":"s"}`, 'no credentials username'],
    ['store', 'not json', 'ecr-login-action: store expects JSON with ServerURL, Username and Secret'],
    ['login', '', 'docker-credential-ecr-login-action: unknown action: login'],
    ['x\n::error::y', '', 'docker-credential-ecr-login-action: unknown action: x\\n::error::y']
  ])('%s with %j: says %j on stdout, exit 1 (docker-credential-helpers’ words)', async (action, stdin, message) => {
    await startAgent()
    expect(await helper(action, stdin)).toEqual({ code: 1, stdout: `${message}\n`, stderr: '' })
  })

  it('prints its usage without an action, and its version', async () => {
    expect(await helper(undefined)).toMatchObject({ code: 1, stdout: expect.stringContaining('Usage: ') as string })
    expect(await helper('version')).toEqual({
      code: 0,
      stdout: 'docker-credential-ecr-login-action (ecr-login) 1\n',
      stderr: ''
    })
  })

  describe('with the agent gone', () => {
    it.each([
      ['its socket refuses', () => writeEndpoint()],
      ['its endpoint file is gone', () => undefined]
    ])('(%s): get says "not found" at once, erase and list succeed, store fails saying why', async (_, arrange) => {
      arrange()
      const started = Date.now()
      expect(await helper('get', HOST)).toEqual({
        code: 1,
        stdout: 'credentials not found in native keychain\n',
        stderr: ''
      })
      expect(Date.now() - started).toBeLessThan(500)
      expect(await helper('erase', HOST)).toEqual({ code: 0, stdout: '', stderr: '' })
      expect(await helper('list')).toEqual({ code: 0, stdout: '{}\n', stderr: '' })
      const stored = await helper('store', JSON.stringify({ ServerURL: HOST, Username: 'AWS', Secret: 's' }))
      expect(stored.code).toBe(1)
      expect(stored.stdout).toBe(
        `ecr-login-action: the job's credential agent is not running (it ends with the job): cannot store credentials for ${HOST}\n`
      )
    })

    it('(it accepts and never answers): get gives up, says "not found" and why, without hanging docker', async () => {
      const address = join(dir, 'agent.sock')
      const server = createServer(() => undefined)
      servers.push(server)
      await new Promise<void>(resolve => server.listen(address, resolve))
      writeEndpoint(address)
      expect(await helper('get', HOST, { connectMs: 500, answerMs: 300 })).toEqual({
        code: 1,
        stdout: 'credentials not found in native keychain\n',
        stderr: "ecr-login-action: the job's credential agent did not answer (no answer within 0.3 s)\n"
      })
    })
  })
})
