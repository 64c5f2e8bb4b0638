// The AWS front: moto behind AWS's own API host names. It listens with TLS on port 443 of the
// address those names resolve to in the suite's hosts file (and on a plain loopback port, `url`,
// for custom-endpoint scenarios), records each call (service, action, region, and the host and
// TLS server name it reached), keeps STS answers (to check that their secrets never reach the
// log), injects faults, and answers ECR Public itself (moto has no ECR Public).

import { readFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { applyFault, type Fault, FaultPlan } from './faults.js'
import { ECR_PUBLIC_PASSWORD } from './peers.js'

export interface AwsCall {
  service: 'sts' | 'ecr' | 'ecr-public' | 'unknown'
  action: string
  /** From the SigV4 credential scope; 'unsigned' for AssumeRoleWithWebIdentity. */
  region: string
  fault?: Fault['kind']
  /** Which run the call came from (the step's session tag in the user agent), if any. */
  userAgent: string
  /** The host the client addressed (Host header, without port). */
  host: string
  /** The TLS server name the client asked for; undefined on the plain port (a custom endpoint). */
  sni?: string
}

/** A TLS connection the front accepted: the server name asked for, and how many calls had come before it. */
export interface AwsConnection {
  sni: string
  callsBefore: number
}

/** Where the front listens with TLS: AWS's API names resolve to `address`. */
export interface AwsFrontTls {
  address: string
  cert: string
  key: string
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function describe(request: IncomingMessage, body: string): Omit<AwsCall, 'fault'> {
  const target = String(request.headers['x-amz-target'] ?? '')
  const region =
    /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? 'unsigned'
  const where = {
    region,
    userAgent: String(request.headers['user-agent'] ?? ''),
    host: String(request.headers.host ?? '').replace(/:\d+$/, ''),
    sni: (request.socket as Partial<TLSSocket>).servername || undefined
  }
  if (target.startsWith('AmazonEC2ContainerRegistry')) {
    return { service: 'ecr', action: target.split('.')[1], ...where }
  }
  if (target.startsWith('SpencerFrontendService')) {
    return { service: 'ecr-public', action: target.split('.')[1], ...where }
  }
  const action = new URLSearchParams(body).get('Action')
  if (action) return { service: 'sts', action, ...where }
  return { service: 'unknown', action: target, ...where }
}

/** ECR Public's answer, as AWS gives it (JSON 1.1): a token for AWS:<password>, valid 12 hours. */
function answerEcrPublicToken(response: ServerResponse): void {
  const authorizationToken = Buffer.from(`AWS:${ECR_PUBLIC_PASSWORD}`).toString('base64')
  const expiresAt = Math.floor(Date.now() / 1000) + 12 * 3600
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'e2e-ecr-public' })
  response.end(JSON.stringify({ authorizationData: { authorizationToken, expiresAt } }))
}

/** The body AWS sends for an error, in the protocol of the service. */
export function awsErrorBody(service: AwsCall['service'], code: string, message: string): Fault {
  if (service === 'sts') {
    return {
      kind: 'status',
      status: code === 'Throttling' ? 400 : 403,
      contentType: 'text/xml',
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>e2e</RequestId></ErrorResponse>`
    }
  }
  return {
    kind: 'status',
    status: 400,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({ __type: code, message })
  }
}

export class AwsFront {
  readonly calls: AwsCall[] = []
  readonly connections: AwsConnection[] = []
  readonly stsAnswers: string[] = []
  readonly faults = new FaultPlan<AwsCall>()
  private servers: Server[] = []
  // Lifetimes (seconds) for the next ECR GetAuthorizationToken answers, instead of moto's 12 hours.
  private readonly tokenLifetimes: number[] = []
  /** The plain front, for AWS_ENDPOINT_URL_* (a custom endpoint). */
  url = ''

  constructor(
    private readonly motoUrl: string,
    private readonly tls?: AwsFrontTls
  ) {}

  async start(): Promise<void> {
    const upstream = new URL(this.motoUrl)
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      void (async () => {
        const body = await readBody(request)
        const call = describe(request, body.toString('utf8'))
        const fault = this.faults.take(call)
        this.calls.push({ ...call, fault: fault?.kind })
        if (fault && (await applyFault(fault, request, response))) return
        if (call.service === 'ecr-public' && call.action === 'GetAuthorizationToken') {
          answerEcrPublicToken(response)
          return
        }
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: request.method,
            path: request.url,
            headers: { ...request.headers, host: upstream.host }
          },
          answer => {
            const chunks: Buffer[] = []
            answer.on('data', (chunk: Buffer) => chunks.push(chunk))
            answer.on('end', () => {
              const original = Buffer.concat(chunks)
              const answerBody = this.answerBody(call, original)
              if (call.service === 'sts') this.stsAnswers.push(answerBody.toString('utf8'))
              // A rewritten answer has a length of its own.
              const headers = { ...answer.headers }
              if (answerBody !== original) {
                delete headers['transfer-encoding']
                headers['content-length'] = String(answerBody.length)
              }
              response.writeHead(answer.statusCode ?? 502, headers)
              response.end(answerBody)
            })
          }
        )
        forward.on('error', error => {
          response.writeHead(502)
          response.end(`front: ${error.message}`)
        })
        forward.end(body)
      })()
    }
    const plain = createServer(handle)
    this.servers.push(plain)
    await new Promise<void>(resolve => plain.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`
    if (this.tls) {
      const secure = createTlsServer({ cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) }, handle)
      secure.on('secureConnection', socket =>
        this.connections.push({ sni: String(socket.servername), callsBefore: this.calls.length })
      )
      this.servers.push(secure)
      await new Promise<void>((resolve, reject) => {
        secure.once('error', reject)
        secure.listen(443, this.tls!.address, resolve)
      })
    }
  }

  /** The next `count` ECR tokens expire `seconds` after they are issued (a renewal scenario). */
  expireNextTokens(seconds: number, count = 1): void {
    this.tokenLifetimes.push(...Array<number>(count).fill(seconds))
  }

  /** ECR's answer with the token's expiry moved, when a scenario asked for it. */
  private answerBody(call: Omit<AwsCall, 'fault'>, body: Buffer): Buffer {
    if (call.service !== 'ecr' || call.action !== 'GetAuthorizationToken') return body
    const lifetime = this.tokenLifetimes.shift()
    if (lifetime === undefined) return body
    const answer = JSON.parse(body.toString('utf8')) as { authorizationData?: { expiresAt?: number }[] }
    for (const data of answer.authorizationData ?? []) data.expiresAt = Date.now() / 1000 + lifetime
    return Buffer.from(JSON.stringify(answer))
  }

  /** Calls made since `mark` (an index from `calls.length`). */
  since(mark: number): AwsCall[] {
    return this.calls.slice(mark)
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(server => {
        server.closeAllConnections()
        return new Promise<void>(resolve => server.close(() => resolve()))
      })
    )
  }
}
