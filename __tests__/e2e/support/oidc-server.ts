// A loopback stand-in for the runner's OIDC token service: it checks the bearer token and the
// audience, and answers with an RS256 JWT whose claims look like GitHub's.

import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { applyFault, FaultPlan } from './faults.js'

export interface OidcRequest {
  audience: string | null
  authorized: boolean
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** Claims as GitHub issues them for a push to main of octo-org/octo-repo. */
function githubClaims(audience: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    jti: randomUUID(),
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    aud: audience,
    ref: 'refs/heads/main',
    sha: randomBytes(20).toString('hex'),
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    repository_visibility: 'private',
    run_id: '1234567890',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'release',
    event_name: 'push',
    ref_type: 'branch',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
    runner_environment: 'github-hosted',
    iss: 'https://token.actions.githubusercontent.com',
    nbf: now - 5,
    iat: now,
    exp: now + 300
  }
}

function signJwt(claims: Record<string, unknown>): string {
  const unsigned = `${base64url({ typ: 'JWT', alg: 'RS256', kid: 'e2e' })}.${base64url(claims)}`
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')
  return `${unsigned}.${signature}`
}

export class OidcServer {
  /** The bearer token the runner would hand to the job. */
  readonly requestToken = `e2e-request-${randomBytes(12).toString('hex')}`
  readonly requests: OidcRequest[] = []
  readonly issued: string[] = []
  readonly faults = new FaultPlan<OidcRequest>()
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://localhost')
        const record: OidcRequest = {
          audience: url.searchParams.get('audience'),
          authorized: request.headers.authorization === `Bearer ${this.requestToken}`
        }
        this.requests.push(record)
        const fault = this.faults.take(record)
        if (fault && (await applyFault(fault, request, response))) return
        if (!record.authorized) {
          response.writeHead(401, { 'content-type': 'application/json' })
          response.end('{"message":"bad request token"}')
          return
        }
        const token = signJwt(githubClaims(record.audience ?? 'https://github.com/octo-org'))
        this.issued.push(token)
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ count: 1, value: token }))
      })()
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    // The runner's URL already carries a query string; the action appends &audience=.
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/_apis/actions/idtoken?api-version=2.0`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
