import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { agentAddress, AgentUnreachable, askAgent, serverKey } from '../src/credential-protocol.js'

const dirs: string[] = []
const servers: Server[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-protocol-'))
  dirs.push(dir)
  return dir
}

afterEach(() => {
  for (const server of servers.splice(0)) server.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('agentAddress', () => {
  it('is a socket in the folder on Linux and macOS', () => {
    expect(agentAddress('/home/runner/work/_temp/ecr-login-agent-x', 'linux', 'ab12')).toBe(
      '/home/runner/work/_temp/ecr-login-agent-x/agent.sock'
    )
    expect(agentAddress('/Users/runner/work/_temp/a', 'darwin', 'ab12')).toBe('/Users/runner/work/_temp/a/agent.sock')
  })

  it('is a named pipe with the random part on Windows, wherever the folder is', () => {
    expect(agentAddress('D:\\a\\_temp\\ecr-login-agent-x', 'win32', 'ab12')).toBe('\\\\.\\pipe\\ecr-login-agent-ab12')
  })

  it('is undefined when the socket path would pass 103 bytes (macOS allows 104 with the terminator)', () => {
    const fits = `/${'d'.repeat(103 - '/agent.sock'.length - 1)}`
    expect(agentAddress(fits, 'linux', 'x')).toHaveLength(103)
    expect(agentAddress(`${fits}d`, 'linux', 'x')).toBeUndefined()
    expect(agentAddress(`${fits}d`, 'win32', 'x')).toBe('\\\\.\\pipe\\ecr-login-agent-x')
  })
})

describe('serverKey', () => {
  // What a client may pass → the registry the agent holds it under.
  const keys: Record<string, string> = {
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com': '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/': '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    '  Public.ECR.aws\n': 'public.ecr.aws',
    'localhost:5000': 'localhost:5000',
    'http://localhost:5000/v2': 'localhost:5000'
  }
  it.each(Object.entries(keys))('reads %j as %j', (url, key) => {
    expect(serverKey(url)).toBe(key)
  })
})

describe('askAgent', () => {
  function serve(handler: (line: string, end: (text: string) => void) => void): string {
    const address = join(tempDir(), 'agent.sock')
    const server = createServer({ allowHalfOpen: true }, socket => {
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('\n')) handler(text.trim(), answer => socket.end(answer))
      })
    })
    servers.push(server)
    server.listen(address)
    return address
  }

  it('sends the key with the request on one line and reads the answer', async () => {
    let received = ''
    const address = serve((line, end) => {
      received = line
      end('{"ok":true,"username":"AWS","secret":"pw"}\n')
    })
    await new Promise(resolve => setTimeout(resolve, 20))
    const answer = await askAgent(
      { address, key: 'job-key' },
      { action: 'get', serverURL: 'h' },
      { connectMs: 1000, answerMs: 1000 }
    )
    expect(JSON.parse(received)).toEqual({ key: 'job-key', action: 'get', serverURL: 'h' })
    expect(answer).toEqual({ ok: true, username: 'AWS', secret: 'pw' })
  })

  it('rejects with AgentUnreachable at once when nothing listens', async () => {
    const started = Date.now()
    const asking = askAgent(
      { address: join(tempDir(), 'agent.sock'), key: 'k' },
      { action: 'ping' },
      { connectMs: 5000, answerMs: 5000 }
    )
    await expect(asking).rejects.toBeInstanceOf(AgentUnreachable)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('gives up on an agent that accepts and never answers, and it is no AgentUnreachable', async () => {
    const address = serve(() => undefined)
    await new Promise(resolve => setTimeout(resolve, 20))
    const asking = askAgent({ address, key: 'k' }, { action: 'ping' }, { connectMs: 1000, answerMs: 200 })
    await expect(asking).rejects.toThrow('no answer within 0.2 s')
    await expect(asking).rejects.not.toBeInstanceOf(AgentUnreachable)
  })
})
