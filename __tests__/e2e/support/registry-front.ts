// A TLS front on port 443 of the address a registry's host resolves to, in front of its
// Distribution registry: it records the TLS connections and the requests made to it (the step's
// login check, docker's pulls and pushes) and injects faults (429, 503, reset, stall, or any
// answer, such as a token service's challenge) into the first N.

import { readFileSync } from 'node:fs'
import { createServer, request as httpsRequest, type Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { applyFault, FaultPlan } from './faults.js'

export interface RegistryRequest {
  method: string
  path: string
  authorized: boolean
  /** The Authorization header as sent, if any. */
  authorization?: string
  /** The index in `connections` of the connection it came on. */
  connection: number
  at: number
}

/** A TLS connection the front accepted: the server name asked for, and when the handshake ended. */
export interface RegistryConnection {
  sni: string
  at: number
}

export class RegistryFront {
  readonly requests: RegistryRequest[] = []
  readonly connections: RegistryConnection[] = []
  readonly faults = new FaultPlan<RegistryRequest>()
  private server: Server | undefined

  /**
   * @param address the registry's own address (the backend)
   * @param listenAddress where the front listens on 443; the registry's address by default
   */
  constructor(
    private readonly address: string,
    private readonly backendPort: number,
    private readonly tls: { cert: string; key: string },
    private readonly caFile: string,
    private readonly listenAddress = address
  ) {}

  async start(): Promise<void> {
    const ca = readFileSync(this.caFile)
    const connectionOf = new WeakMap<object, number>()
    this.server = createServer(
      { cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) },
      (request, response) => {
        void (async () => {
          const record = {
            method: request.method ?? 'GET',
            path: request.url ?? '/',
            authorized: request.headers.authorization !== undefined,
            authorization: request.headers.authorization,
            connection: connectionOf.get(request.socket) ?? -1,
            at: Date.now()
          }
          this.requests.push(record)
          const fault = this.faults.take(record)
          if (fault && (await applyFault(fault, request, response))) return
          const forward = httpsRequest(
            {
              host: this.address,
              port: this.backendPort,
              method: request.method,
              path: request.url,
              headers: request.headers,
              ca,
              servername: request.headers.host?.split(':')[0]
            },
            answer => {
              response.writeHead(answer.statusCode ?? 502, answer.headers)
              answer.pipe(response)
            }
          )
          forward.on('error', error => {
            response.writeHead(502)
            response.end(`front: ${error.message}`)
          })
          request.pipe(forward)
        })()
      }
    )
    this.server.on('secureConnection', (socket: TLSSocket) => {
      connectionOf.set(socket, this.connections.push({ sni: String(socket.servername), at: Date.now() }) - 1)
    })
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(443, this.listenAddress, resolve)
    })
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
