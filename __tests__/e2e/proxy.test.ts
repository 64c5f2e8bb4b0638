// A real forward proxy (tinyproxy): the OIDC, STS and ECR requests and the step's login checks
// (GET /v2/ on each registry) go through it when configured (tunnels to AWS's own host names, or plain requests to a custom
// endpoint), NO_PROXY hosts bypass it, and its password never reaches the log; on every Node 24
// a runner ships, from the oldest (which has no Agent `proxyEnv`) to the newest.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOSTS, type HarnessJobOptions, REPO_ROOT, ROLE_ARN, useHarness } from './support/harness.js'
import { itOnceFixed } from './support/known-failures.js'
import { NODE_24_RELEASES } from './support/node-releases.js'

const h = useHarness()

/** What the proxy logged while `work` ran: the requests it forwarded and the tunnels it opened. */
async function proxied(logFile: string, work: () => Promise<void>): Promise<string[]> {
  const before = readFileSync(logFile, 'utf8').length
  await work()
  return readFileSync(logFile, 'utf8')
    .slice(before)
    .split('\n')
    .flatMap(line => {
      const request = /Request \(file descriptor \d+\): (\w+ \S+)/.exec(line)
      return request ? [request[1]] : []
    })
}

function port(url: string): string {
  return new URL(url).port
}

// What each scenario reports when the step's own requests (OIDC, STS, ECR) go around the proxy, as
// on a Node whose Agent ignores `proxyEnv` (issue 16): the proxy's log misses them, or a proxy that
// would refuse them never sees them.
const BYPASSED =
  /expected \[.*\] to (include 'CONNECT|have a length of)|expected \d+ to be greater than or equal to 4|to contain 'Error: ECR GetAuthorizationToken/

describe.each(NODE_24_RELEASES)('on $label', release => {
  const newJob = (options: HarnessJobOptions) => h.job({ ...options, nodeVersion: release.version })
  const itProxied = itOnceFixed('issue16ProxyOnOldestNode24', BYPASSED, !release.agentProxyEnv)

  describe('through a forward proxy', () => {
    for (const source of ['http-proxy input', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
      itProxied(`with ${source}, OIDC, STS, ECR and the login check all go through the proxy`, async () => {
        const proxyUrl = h.peers.proxy.url
        const env = source === 'http-proxy input' ? {} : { [source]: proxyUrl }
        const job = newJob({ oidc: true, env })
        const inputs = {
          'role-to-assume': ROLE_ARN,
          'aws-region': 'eu-west-1',
          registries: HOSTS.euA,
          ...(source === 'http-proxy input' ? { 'http-proxy': proxyUrl } : {})
        }
        let exitCode = -1
        const requests = await proxied(h.peers.proxy.logFile, async () => {
          exitCode = (await job.uses(REPO_ROOT, inputs)).exitCode
        })
        expect(exitCode, job.log).toBe(0)
        expect(job.log).toContain(
          `Using proxy ${proxyUrl} (from ${source === 'http-proxy input' ? 'http-proxy' : source})`
        )
        const oidcPort = port(h.oidc.url)
        expect(requests.filter(r => r.startsWith(`GET http://127.0.0.1:${oidcPort}/`))).toHaveLength(1)
        expect(requests).toContain('CONNECT sts.eu-west-1.amazonaws.com:443')
        expect(requests).toContain('CONNECT api.ecr.eu-west-1.amazonaws.com:443')
        expect(requests).toContain(`CONNECT ${HOSTS.euA}:443`)
        await job.finish()
        expect(job.dockerConfigJson().auths).toEqual({})
      })
    }

    itProxied('requests to a custom endpoint go through the proxy as plain HTTP', async () => {
      const job = newJob({ oidc: true, customEndpoint: true })
      let exitCode = -1
      const requests = await proxied(h.peers.proxy.logFile, async () => {
        const inputs = { 'role-to-assume': ROLE_ARN, registries: HOSTS.euA, 'http-proxy': h.peers.proxy.url }
        exitCode = (await job.uses(REPO_ROOT, inputs)).exitCode
      })
      expect(exitCode, job.log).toBe(0)
      expect(requests.filter(r => r.startsWith(`POST http://127.0.0.1:${port(h.aws.url)}/`))).toHaveLength(2)
      expect(requests).toContain(`CONNECT ${HOSTS.euA}:443`)
      await job.finish()
    })

    itProxied(
      'with a docker daemon, the login check is the step’s: through its proxy; the daemon then pulls without it',
      async () => {
        const job = newJob({ oidc: true, daemon: true })
        let exitCode = -1
        const requests = await proxied(h.peers.proxy.logFile, async () => {
          const inputs = { 'role-to-assume': ROLE_ARN, registries: HOSTS.euA, 'http-proxy': h.peers.proxy.url }
          exitCode = (await job.uses(REPO_ROOT, inputs)).exitCode
        })
        expect(exitCode, job.log).toBe(0)
        expect(requests).toContain('CONNECT api.ecr.eu-west-1.amazonaws.com:443')
        expect(requests).toContain(`CONNECT ${HOSTS.euA}:443`)
        expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
        // The daemon reaches the registry itself (it has no proxy) with the login written: the
        // registry answers as to an authenticated client.
        const pulled = await proxied(h.peers.proxy.logFile, async () => {
          const pull = await job.runShell('pull', `docker pull -q ${HOSTS.euA}/e2e/absent:1 2>&1 || true`)
          expect(pull.log).toMatch(/manifest unknown|no such manifest/i)
        })
        expect(pulled).toEqual([])
        await job.finish()
      }
    )

    it('hosts in NO_PROXY bypass it', async () => {
      const noProxy = ['127.0.0.1', 'sts.eu-west-1.amazonaws.com', 'api.ecr.eu-west-1.amazonaws.com', HOSTS.euA]
      const job = newJob({ oidc: true, env: { HTTPS_PROXY: h.peers.proxy.url, NO_PROXY: noProxy.join(',') } })
      const awsBefore = h.aws.calls.length
      let exitCode = -1
      const requests = await proxied(h.peers.proxy.logFile, async () => {
        exitCode = (await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, registries: `${HOSTS.euA},${HOSTS.euB}` }))
          .exitCode
      })
      expect(exitCode, job.log).toBe(0)
      expect(h.aws.since(awsBefore)).toHaveLength(2)
      expect([...new Set(requests)]).toEqual([`CONNECT ${HOSTS.euB}:443`])
      await job.finish()
    })

    itProxied('a proxy password is used but never shown', async () => {
      const { authUrl, password, user, authLogFile } = h.peers.proxy
      const job = newJob({ oidc: true })
      let exitCode = -1
      const requests = await proxied(authLogFile, async () => {
        exitCode = (
          await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, registries: HOSTS.euA, 'http-proxy': authUrl })
        ).exitCode
      })
      expect(exitCode, job.log).toBe(0)
      expect(requests).toContain(`CONNECT ${HOSTS.euA}:443`)
      expect(requests.length).toBeGreaterThanOrEqual(4)
      await job.finish()
      // The whole user info is hidden, user name too.
      expect(job.log).toContain(`Using proxy http://***@127.0.0.1:${port(authUrl)} (from http-proxy)`)
      expect(job.log).not.toContain(user)
      expect(job.log).not.toContain(password)
      expect(job.masks).toContain(password)
    })

    itProxied('a proxy that refuses the password fails with the proxy’s answer, not a hang', async () => {
      const { authUrl, password } = h.peers.proxy
      const job = newJob({ ambient: true, customEndpoint: true })
      const wrong = authUrl.replace(password, 'wrong-password')
      const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'http-proxy': wrong, 'retry-max-attempts': '1' })
      expect(main.exitCode).toBe(1)
      // tinyproxy answers 401 where the standard says 407; either way the message points at the proxy.
      expect(main.log).toContain(
        'Error: ECR GetAuthorizationToken in eu-west-1 failed (an answer that is not from AWS (HTTP 401, text/html); if a proxy ' +
          'is in the way, the proxy refused the request: check the user name and password in http-proxy or HTTPS_PROXY).'
      )
      expect(main.log).not.toContain('wrong-password')
      await job.finish()
    })

    itProxied(
      "the default chain's own STS call (a web identity token file, as on EKS) goes through http-proxy",
      async () => {
        const tokenFile = join(h.peers.dir, `web-identity-${process.pid}.jwt`)
        writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJla3MifQ.c2ln')
        const job = newJob({
          env: { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE_ARN, AWS_REGION: 'eu-west-1' }
        })
        const awsBefore = h.aws.calls.length
        let exitCode = -1
        const requests = await proxied(h.peers.proxy.logFile, async () => {
          exitCode = (await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'http-proxy': h.peers.proxy.url })).exitCode
        })
        expect(exitCode, job.log).toBe(0)
        expect(job.log).toContain('Using AWS credentials from a web identity token file')
        expect(h.aws.since(awsBefore).map(call => call.service)).toEqual(['sts', 'ecr'])
        // Both the chain's STS call and ECR's went through the proxy.
        expect(requests).toContain('CONNECT sts.eu-west-1.amazonaws.com:443')
        expect(requests).toContain('CONNECT api.ecr.eu-west-1.amazonaws.com:443')
        await job.finish()
      }
    )
  })

  describe('through a forward proxy that refuses the tunnel to AWS', () => {
    itProxied('fails the step with the proxy’s status, in bounded time, without the password', async () => {
      const { authUrl, password } = h.peers.proxy
      const job = newJob({ ambient: true })
      const wrong = authUrl.replace(password, 'wrong-password')
      const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'http-proxy': wrong, 'retry-max-attempts': '1' })
      expect(main.exitCode).toBe(1)
      expect(main.log).toContain(
        'Error: ECR GetAuthorizationToken in eu-west-1 failed (the proxy refused the tunnel to ' +
          'api.ecr.eu-west-1.amazonaws.com:443 (HTTP 401): check the user name and password in http-proxy or HTTPS_PROXY).'
      )
      expect(main.durationMs).toBeLessThan(10_000)
      expect(main.log).not.toContain('wrong-password')
      await job.finish()
    })
  })
})
