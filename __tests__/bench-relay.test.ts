import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { LatencyRelay, serverName } from '../bench/relay.js'
import { freePort } from './e2e/support/processes.js'

const servers: Server[] = []
const relays: LatencyRelay[] = []

afterEach(async () => {
  await Promise.all(relays.splice(0).map(relay => relay.stop()))
  for (const server of servers.splice(0)) server.close()
})

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** An echo server behind a relay with `delayMs` each way; resolves the relay's port. */
async function echoBehindRelay(delayMs: number): Promise<{ relay: LatencyRelay; port: number }> {
  const target = await listen(createServer(socket => socket.pipe(socket)))
  const port = await freePort()
  const relay = new LatencyRelay([
    { name: 'echo', listen: { host: '127.0.0.1', port }, target: { host: '127.0.0.1', port: target } }
  ])
  relays.push(relay)
  relay.delayMs = delayMs
  await relay.start()
  return { relay, port }
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket))
    socket.on('error', reject)
  })
}

/** Sends `text` and resolves after how many ms all of it came back. */
function roundTrip(socket: Socket, text: string): Promise<number> {
  const started = performance.now()
  return new Promise(resolve => {
    let received = ''
    const onData = (chunk: Buffer): void => {
      received += chunk.toString()
      if (received.length < text.length) return
      socket.off('data', onData)
      expect(received).toBe(text)
      resolve(performance.now() - started)
    }
    socket.on('data', onData)
    socket.write(text)
  })
}

describe('LatencyRelay', () => {
  it('holds each byte the delay each way, and a new connection’s first bytes one round trip more', async () => {
    const delay = 40
    const { port } = await echoBehindRelay(delay)
    const socket = await connect(port)
    // TCP handshake (2 one-way delays), then the request and its answer: 4 in all.
    const first = await roundTrip(socket, 'hello')
    expect(first).toBeGreaterThanOrEqual(4 * delay - 1)
    expect(first).toBeLessThan(4 * delay + 35)
    // On an open connection: one round trip.
    const second = await roundTrip(socket, 'again')
    expect(second).toBeGreaterThanOrEqual(2 * delay - 1)
    expect(second).toBeLessThan(2 * delay + 35)
    socket.destroy()
  })

  it('keeps the bytes and their order, even those sent while the first ones wait for the handshake', async () => {
    const { port } = await echoBehindRelay(10)
    const socket = await connect(port)
    const pieces = Array.from({ length: 40 }, (_, i) => `piece ${i};`)
    const text = pieces.join('')
    const echoed = new Promise<string>(resolve => {
      let received = ''
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString()
        if (received.length >= text.length) resolve(received)
      })
    })
    // One piece a millisecond: the relay sees each on its own, most due before the first one.
    for (const piece of pieces) {
      socket.write(piece)
      await new Promise(resolve => setTimeout(resolve, 1))
    }
    expect(await echoed).toBe(text)
    socket.destroy()
  })

  it('passes bytes straight through at 0 ms', async () => {
    const { port } = await echoBehindRelay(0)
    const socket = await connect(port)
    expect(await roundTrip(socket, 'fast')).toBeLessThan(20)
    socket.destroy()
  })

  it('ends every open connection on closeConnections', async () => {
    const { relay, port } = await echoBehindRelay(0)
    const socket = await connect(port)
    await roundTrip(socket, 'open')
    const closed = new Promise<void>(resolve => socket.on('close', () => resolve()))
    relay.closeConnections()
    await closed
  })

  it('records a timeline: opens, bursts each way with their TLS record types, the server name', async () => {
    const { relay, port } = await echoBehindRelay(10)
    relay.record()
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'api.example.test', rejectUnauthorized: false })
    // The echo server is no TLS server: its answer (the hello itself) ends the handshake in an error.
    socket.on('error', () => undefined)
    await new Promise<void>(resolve => socket.once('close', () => resolve()))
    const events = relay.stopRecording()
    expect(events[0]).toMatchObject({ kind: 'open', route: 'echo', connection: expect.any(Number) as number })
    const hello = events.find(event => event.kind === 'up')!
    expect(hello).toMatchObject({ tls: 'handshake', sni: 'api.example.test' })
    // The echo reaches the client after the handshake round trip and the hello's round trip.
    const echo = events.find(event => event.kind === 'down')!
    expect(echo.at - events[0].at).toBeGreaterThanOrEqual(4 * 10 - 1)
  })
})

describe('serverName', () => {
  it('is undefined for bytes that are no TLS ClientHello', () => {
    expect(serverName(Buffer.from('GET / HTTP/1.1\r\n'))).toBeUndefined()
    expect(serverName(Buffer.from([22, 3, 1, 0, 10, 1, 0]))).toBeUndefined()
  })
})
