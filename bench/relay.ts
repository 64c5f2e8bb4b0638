// A TCP relay that puts a network between the steps and the loopback peers: every byte waits a set
// one-way delay in each direction, and the client's first bytes wait one round trip more, for the
// TCP handshake a real connection pays before it can send (SYN, SYN-ACK, then ACK with data: the
// server sees the first byte 3 one-way delays after connect()). It forwards bytes untouched, so
// TLS runs end to end between the step and the peer behind it, handshakes and all.
//
// It runs in the bench's own process: it stops with it, never outlives it. It can record when each
// connection opens and when each burst of bytes passes, for a timeline of one step.

import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface RelayRoute {
  /** What the route stands for in a timeline, e.g. "AWS API" or a registry host. */
  name: string
  listen: { host: string; port: number }
  target: { host: string; port: number }
}

export interface RelayEvent {
  /** ms since the recording started, at the step's end of the wire: when it sends, when it receives. */
  at: number
  connection: number
  route: string
  kind: 'open' | 'up' | 'down' | 'close'
  /** Bytes in the burst (up: client → server, down: server → client). */
  bytes?: number
  /** The TLS record types that start the burst's records, e.g. "handshake" or "data". */
  tls?: string
  /** The server name in a TLS ClientHello. */
  sni?: string
}

const TLS_CONTENT_TYPES: Record<number, string> = { 20: 'ccs', 21: 'alert', 22: 'handshake', 23: 'data' }

/** The record types in a burst that starts on a TLS record boundary (the relay sees whole writes). */
function tlsRecords(chunk: Buffer): string | undefined {
  const types: string[] = []
  let offset = 0
  while (offset + 5 <= chunk.length) {
    const type = TLS_CONTENT_TYPES[chunk[offset]]
    if (!type) return undefined
    types.push(type)
    offset += 5 + chunk.readUInt16BE(offset + 3)
  }
  return types.length ? types.join('+') : undefined
}

/** The SNI host name of a TLS ClientHello, if `chunk` starts with one. */
export function serverName(chunk: Buffer): string | undefined {
  try {
    if (chunk[0] !== 22 || chunk[5] !== 1) return undefined
    // record header 5, handshake header 4, version 2, random 32
    let offset = 5 + 4 + 2 + 32
    offset += 1 + chunk[offset] // session id
    offset += 2 + chunk.readUInt16BE(offset) // cipher suites
    offset += 1 + chunk[offset] // compression methods
    const end = offset + 2 + chunk.readUInt16BE(offset)
    offset += 2
    while (offset + 4 <= end) {
      const type = chunk.readUInt16BE(offset)
      const length = chunk.readUInt16BE(offset + 2)
      if (type === 0) {
        // server_name list: length 2, then name type 1 (0 = host name), length 2, name
        const nameLength = chunk.readUInt16BE(offset + 4 + 2 + 1)
        return chunk.toString('ascii', offset + 4 + 2 + 1 + 2, offset + 4 + 2 + 1 + 2 + nameLength)
      }
      offset += 4 + length
    }
  } catch {
    // a truncated hello: no name
  }
  return undefined
}

type Item = Buffer | 'end' | 'destroy'

/** One direction of a connection: delivers what it is given, in order, at the time it is due. */
class DelayedDirection {
  // A FIFO: nothing overtakes what was sent before it, even when it is due earlier (the first
  // bytes wait for the handshake, what follows them does not).
  private readonly queue: { due: number; item: Item }[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly destination: Socket) {}

  push(due: number, item: Item): void {
    this.queue.push({ due, item })
    if (!this.timer) this.flush()
  }

  private flush(): void {
    this.timer = undefined
    while (this.queue.length > 0 && this.queue[0].due <= performance.now()) {
      const { item } = this.queue.shift()!
      if (this.destination.destroyed) continue
      if (item === 'end') this.destination.end()
      else if (item === 'destroy') this.destination.destroy()
      else this.destination.write(item)
    }
    // Timers count whole milliseconds on a coarser clock: wake up again until the head is due.
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(this.queue[0].due - performance.now())))
    }
  }

  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.queue.length = 0
  }
}

export class LatencyRelay {
  /** One-way delay in ms, read when a connection opens: it holds for the whole connection. */
  delayMs = 0
  private readonly servers: Server[] = []
  private readonly open = new Set<{ client: Socket; server: Socket; directions: DelayedDirection[] }>()
  private connections = 0
  private recording: { start: number; events: RelayEvent[] } | undefined

  constructor(readonly routes: readonly RelayRoute[]) {}

  async start(): Promise<void> {
    for (const route of this.routes) {
      const server = createServer({ noDelay: true }, client => this.relay(route, client))
      this.servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(route.listen.port, route.listen.host, resolve)
      })
    }
  }

  /** Starts recording a timeline (from now); `stopRecording` hands it over. */
  record(): void {
    this.recording = { start: performance.now(), events: [] }
  }

  stopRecording(): RelayEvent[] {
    const events = this.recording?.events ?? []
    this.recording = undefined
    return events
  }

  /** Ends every open connection at once: no step inherits a connection from the one before. */
  closeConnections(): void {
    for (const connection of this.open) {
      for (const direction of connection.directions) direction.cancel()
      connection.client.destroy()
      connection.server.destroy()
    }
    this.open.clear()
  }

  async stop(): Promise<void> {
    this.closeConnections()
    await Promise.all(this.servers.map(server => new Promise<void>(resolve => server.close(() => resolve()))))
    this.servers.length = 0
  }

  /** Records an event that the step sees at `when` (now, or when a delayed answer reaches it). */
  private note(event: Omit<RelayEvent, 'at'>, when = performance.now()): void {
    if (this.recording) this.recording.events.push({ at: when - this.recording.start, ...event })
  }

  private relay(route: RelayRoute, client: Socket): void {
    const delay = this.delayMs
    const opened = performance.now()
    const id = ++this.connections
    const server = createConnection({ ...route.target, noDelay: true })
    const up = new DelayedDirection(server)
    const down = new DelayedDirection(client)
    const connection = { client, server, directions: [up, down] }
    this.open.add(connection)
    this.note({ connection: id, route: route.name, kind: 'open' })
    // Upstream, nothing leaves before the handshake's round trip is over.
    const upDue = (): number => Math.max(performance.now(), opened + 2 * delay) + delay
    const downDue = (): number => performance.now() + delay
    let first = true
    client.on('data', (chunk: Buffer) => {
      this.note({
        connection: id,
        route: route.name,
        kind: 'up',
        bytes: chunk.length,
        tls: tlsRecords(chunk),
        sni: first ? serverName(chunk) : undefined
      })
      first = false
      up.push(upDue(), chunk)
    })
    server.on('data', (chunk: Buffer) => {
      const due = downDue()
      this.note({ connection: id, route: route.name, kind: 'down', bytes: chunk.length, tls: tlsRecords(chunk) }, due)
      down.push(due, chunk)
    })
    client.on('end', () => up.push(upDue(), 'end'))
    server.on('end', () => down.push(downDue(), 'end'))
    // A reset or a failure on one side reaches the other side as a reset, after the delay.
    client.on('error', () => up.push(upDue(), 'destroy'))
    server.on('error', () => down.push(downDue(), 'destroy'))
    let closed = 0
    const onClose = (): void => {
      if (++closed < 2) return
      this.open.delete(connection)
      this.note({ connection: id, route: route.name, kind: 'close' })
    }
    client.on('close', onClose)
    server.on('close', onClose)
  }
}
