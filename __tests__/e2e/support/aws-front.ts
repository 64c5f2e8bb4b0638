// A loopback HTTP front for moto: it counts STS and ECR calls (service, action, region), keeps
// STS answers (to check that their secrets never reach the log) and injects faults.

import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { applyFault, type Fault, FaultPlan } from './faults.js'

export interface AwsCall {
  service: 'sts' | 'ecr' | 'ecr-public' | 'unknown'
  action: string
  /** From the SigV4 credential scope; 'unsigned' for AssumeRoleWithWebIdentity. */
  region: string
  fault?: Fault['kind']
  /** Which run the call came from (the step's session tag in the user agent), if any. */
  userAgent: string
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
  const userAgent = String(request.headers['user-agent'] ?? '')
  if (target.startsWith('AmazonEC2ContainerRegistry')) {
    return { service: 'ecr', action: target.split('.')[1], region, userAgent }
  }
  if (target.startsWith('SpencerFrontendService')) {
    return { service: 'ecr-public', action: target.split('.')[1], region, userAgent }
  }
  const action = new URLSearchParams(body).get('Action')
  if (action) return { service: 'sts', action, region, userAgent }
  return { service: 'unknown', action: target, region, userAgent }
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
  readonly stsAnswers: string[] = []
  readonly faults = new FaultPlan<AwsCall>()
  private server: Server | undefined
  url = ''

  constructor(private readonly motoUrl: string) {}

  async start(): Promise<void> {
    const upstream = new URL(this.motoUrl)
    this.server = createServer((request, response) => {
      void (async () => {
        const body = await readBody(request)
        const call = describe(request, body.toString('utf8'))
        const fault = this.faults.take(call)
        this.calls.push({ ...call, fault: fault?.kind })
        if (fault && (await applyFault(fault, request, response))) return
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
              const answerBody = Buffer.concat(chunks)
              if (call.service === 'sts') this.stsAnswers.push(answerBody.toString('utf8'))
              response.writeHead(answer.statusCode ?? 502, answer.headers)
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
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Calls made since `mark` (an index from `calls.length`). */
  since(mark: number): AwsCall[] {
    return this.calls.slice(mark)
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
