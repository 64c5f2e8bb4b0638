// What the credential agent, docker's credential helper and the steps share: the helper's name, where
// the agent listens, and the one-line JSON exchange on its socket. Node built-ins only: the helper
// runs once per docker command and must start fast.

import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'

/**
 * The name in docker's credHelpers; docker runs `docker-credential-<name>`. Not `ecr-login`: that
 * is amazon-ecr-credential-helper's, which a runner may have and a user's config may name.
 */
export const HELPER_NAME = 'ecr-login-action'
export const HELPER_PROGRAM = `docker-credential-${HELPER_NAME}`

/** What a helper prints when it holds nothing for a server: docker then goes on without credentials. */
export const NOT_FOUND = 'credentials not found in native keychain'

/** Where the helper finds the agent: written by main into the agent's folder (mode 0600). */
export interface AgentEndpoint {
  /** A Unix socket path, or a Windows named pipe. */
  address: string
  /** The job's secret every request carries: a named pipe is open to other users of the machine. */
  key: string
}

export const ENDPOINT_FILE = 'agent.json'

/** The endpoint in the agent's folder; undefined when it is gone (the agent ended) or not ours. */
export function readEndpoint(dir: string): AgentEndpoint | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, ENDPOINT_FILE), 'utf8')) as Partial<AgentEndpoint>
    return typeof value.address === 'string' && typeof value.key === 'string'
      ? { address: value.address, key: value.key }
      : undefined
  } catch {
    return undefined
  }
}

// A Unix socket path is at most 104 (macOS) or 108 (Linux) bytes, its terminator included.
const MAX_SOCKET_PATH_BYTES = 103

/**
 * The agent's address for its folder: a socket inside it, or on Windows a named pipe (pipes live
 * in their own namespace) with a random part. Undefined when the socket path would be too long.
 */
export function agentAddress(dir: string, platform: NodeJS.Platform, random: string): string | undefined {
  if (platform === 'win32') return `\\\\.\\pipe\\ecr-login-agent-${random}`
  const path = join(dir, 'agent.sock')
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES ? path : undefined
}

export type AgentRequest =
  | { action: 'get' | 'erase'; serverURL: string }
  | { action: 'store'; serverURL: string; username: string; secret: string }
  | { action: 'list' | 'ping' | 'stop' }

export interface AgentAnswer {
  ok: boolean
  /** get: the credentials. */
  username?: string
  secret?: string
  /** list: server → user name. */
  servers?: Record<string, string>
  /** Not ok: the agent holds nothing for the server (docker goes on without credentials). */
  notFound?: boolean
  /** Not ok: why; never holds a secret. */
  error?: string
  /** For the helper's stderr, where the docker command shows it: a renewal that failed. */
  warning?: string
}

/**
 * The registry a server URL names, as the key the agent holds it under: `https://host/v2/` and
 * `host` are one registry (docker passes the host; other clients a URL).
 */
export function serverKey(serverURL: string): string {
  const trimmed = serverURL.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `//${trimmed}`
  try {
    return new URL(withScheme, 'https://invalid').host.toLowerCase()
  } catch {
    return trimmed.toLowerCase()
  }
}

/** The agent cannot be reached (gone, or never started): nothing can answer for it. */
export class AgentUnreachable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AgentUnreachable'
  }
}

export interface AskLimits {
  /** For the connection: an agent that is gone refuses at once; one that is stuck must not hang us. */
  connectMs: number
  /** For the answer, which may wait for a renewal. */
  answerMs: number
}

// A request or answer is a few KB (ECR Public's password is 3 KB): more is not ours.
export const MAX_LINE_BYTES = 1 << 20

/** Sends one request and reads its one-line answer. Rejects with AgentUnreachable when it cannot connect. */
export function askAgent(endpoint: AgentEndpoint, request: AgentRequest, limits: AskLimits): Promise<AgentAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(endpoint.address)
    let connected = false
    let received = ''
    const fail = (error: Error): void => {
      clearTimeout(timer)
      socket.destroy()
      reject(error)
    }
    let timer = setTimeout(
      () => fail(new AgentUnreachable(`no connection within ${limits.connectMs} ms`)),
      limits.connectMs
    )
    socket.on('connect', () => {
      connected = true
      clearTimeout(timer)
      timer = setTimeout(() => fail(new Error(`no answer within ${limits.answerMs / 1000} s`)), limits.answerMs)
      socket.end(`${JSON.stringify({ key: endpoint.key, ...request })}\n`)
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received += chunk
      if (received.length > MAX_LINE_BYTES) fail(new Error('the answer is too long'))
    })
    socket.on('end', () => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(received) as AgentAnswer)
      } catch {
        reject(new Error('the answer is not JSON'))
      }
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      fail(connected ? error : new AgentUnreachable(error.code ?? error.message))
    })
  })
}
