// Logging in, as a workflow sees it: OIDC and ambient credentials, one or many registries, with
// AWS reached at its own host names, and docker with and without a daemon. The step checks each
// login with its registry itself (GET /v2/) and writes it as `docker login` would.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { push } from './support/clients.js'
import {
  DOCKER_PATHS,
  expectCleanAfterPost,
  HOSTS,
  motoPassword,
  REPO_ROOT,
  useFaultyRegistry,
  useHarness
} from './support/harness.js'

const h = useHarness()
// HOSTS.faulty's front records the TLS connections and requests it gets, and answers as told.
const registry = useFaultyRegistry(h)
afterEach(() => {
  h.aws.faults.clear()
  registry.faults.clear()
})

describe.each(DOCKER_PATHS)('logging in ($name)', ({ daemon }) => {
  it('assumes the role with the OIDC token and logs in to the default registry, then logs out', async () => {
    const job = h.job({ oidc: true, daemon })
    const callsBefore = h.aws.calls.length
    const connectionsBefore = h.aws.connections.length
    const requestsBefore = h.oidc.requests.length

    const main = await job.uses(REPO_ROOT, {
      'role-to-assume': 'arn:aws:iam::123456789012:role/gha-ecr-push',
      'aws-region': 'eu-west-1'
    })

    expect(main.exitCode, job.log).toBe(0)
    expect(h.oidc.requests.slice(requestsBefore)).toEqual([{ audience: 'sts.amazonaws.com', authorized: true }])
    const calls = h.aws.since(callsBefore).map(call => `${call.service} ${call.action} ${call.region}`)
    expect(calls).toEqual(['sts AssumeRoleWithWebIdentity unsigned', 'ecr GetAuthorizationToken eu-west-1'])
    // AWS's own names, over TLS, as the SDK resolves them with no custom endpoint.
    expect(h.aws.since(callsBefore).map(call => [call.host, call.sni])).toEqual([
      ['sts.eu-west-1.amazonaws.com', 'sts.eu-west-1.amazonaws.com'],
      ['api.ecr.eu-west-1.amazonaws.com', 'api.ecr.eu-west-1.amazonaws.com']
    ])
    // One connection per API host, both open before the first call arrives (src/preconnect.ts): ECR's
    // handshakes overlap the OIDC and STS calls, and the calls use them, opening no other.
    expect(h.aws.connections.slice(connectionsBefore).sort((a, b) => a.sni.localeCompare(b.sni))).toEqual([
      { sni: 'api.ecr.eu-west-1.amazonaws.com', callsBefore },
      { sni: 'sts.eu-west-1.amazonaws.com', callsBefore }
    ])
    expect(main.outputs).toMatchObject({
      registry: HOSTS.default,
      registries: HOSTS.default,
      docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com: 'AWS',
      docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com: '123456789012-auth-token'
    })
    expect(main.outputs['expires-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(main.log).toContain('Assuming arn:aws:iam::123456789012:role/gha-ecr-push')
    expect(main.log).toContain(`Logged in to ${HOSTS.default}`)
    // The role's credentials stay in the step: nothing is exported to later steps.
    expect(main.exportedEnv).toEqual({})
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.default])

    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    expect(post.log).toContain(`Logged out of ${HOSTS.default}`)
    expect(job.dockerConfigJson().auths).toEqual({})
  })

  it('logs in to two accounts in one region with ambient credentials and one ECR call', async () => {
    const job = h.job({ ambient: true, daemon })
    const callsBefore = h.aws.calls.length

    const main = await job.uses(REPO_ROOT, { registries: '111111111111,222222222222', 'aws-region': 'eu-west-1' })

    expect(main.exitCode, job.log).toBe(0)
    const calls = h.aws.since(callsBefore).map(call => `${call.service} ${call.action} ${call.region}`)
    expect(calls).toEqual(['ecr GetAuthorizationToken eu-west-1'])
    expect(main.outputs.registries).toBe(`${HOSTS.euA},${HOSTS.euB}`)
    expect(main.outputs.registry).toBeUndefined()
    expect(main.log).toContain('Using AWS credentials from environment variables')
    expect(Object.keys(job.dockerConfigJson().auths ?? {}).sort()).toEqual([HOSTS.euA, HOSTS.euB].sort())

    await job.finish()
    expect(job.dockerConfigJson().auths).toEqual({})
  })

  it('logs in to hosts in two regions with one ECR call per region', async () => {
    const job = h.job({ ambient: true, daemon })
    const callsBefore = h.aws.calls.length
    const connectionsBefore = h.aws.connections.length
    const registries = [HOSTS.euA, `https://${HOSTS.usA}/team/app`, HOSTS.usB, HOSTS.euB].join('\n')

    const main = await job.uses(REPO_ROOT, { registries })

    expect(main.exitCode, job.log).toBe(0)
    const calls = h.aws.since(callsBefore).map(call => `${call.service} ${call.action} ${call.region}`)
    expect(calls.sort(), job.log).toEqual([
      'ecr GetAuthorizationToken eu-west-1',
      'ecr GetAuthorizationToken us-east-1'
    ])
    // One connection per region's ECR endpoint, opened ahead and used by its call.
    expect(
      h.aws.connections
        .slice(connectionsBefore)
        .map(connection => connection.sni)
        .sort()
    ).toEqual(['api.ecr.eu-west-1.amazonaws.com', 'api.ecr.us-east-1.amazonaws.com'])
    expect(main.outputs.registries).toBe([HOSTS.euA, HOSTS.usA, HOSTS.usB, HOSTS.euB].join(','))
    for (const host of [HOSTS.euA, HOSTS.usA, HOSTS.usB, HOSTS.euB]) {
      expect(main.outputs[`docker_password_${host.replace(/[.-]/g, '_')}`]).toBe(`${host.slice(0, 12)}-auth-token`)
    }
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toHaveLength(4)

    await job.finish()
    expect(job.dockerConfigJson().auths).toEqual({})
  })
})

describe.each(DOCKER_PATHS)('what the step writes ($name)', ({ daemon }) => {
  it('is the auths entry docker login writes; docker pushes and pulls with it, and the CLI alone reads with it', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB })
    expect(main.exitCode, job.log).toBe(0)

    // The real docker CLI's login, same host and password, into a config of its own.
    const dockers = join(job.dir, 'docker-login')
    const login = await job.runCommand(
      'docker login',
      'docker',
      ['login', '--username', 'AWS', '--password-stdin', HOSTS.euB],
      { DOCKER_CONFIG: dockers },
      motoPassword(HOSTS.euB)
    )
    expect(login.exitCode, login.log).toBe(0)
    const theirs = JSON.parse(readFileSync(join(dockers, 'config.json'), 'utf8')) as { auths?: object }
    expect(job.dockerConfigJson().auths).toEqual(theirs.auths)

    // Later steps: a push and a pull through the daemon, and a read by the CLI alone.
    const viaDaemon = { DOCKER_HOST: h.peers.dockerHost }
    const pushed = await push(job, 'docker (daemon)', HOSTS.euB, viaDaemon)
    expect(pushed.exitCode, pushed.log).toBe(0)
    const pull = await job.runShell(
      'pull',
      `docker rmi -f ${pushed.image} >/dev/null; docker pull -q ${pushed.image}`,
      viaDaemon
    )
    expect(pull.exitCode, pull.log).toBe(0)
    const inspect = await job.runShell('inspect', `docker manifest inspect ${pushed.image}`, { DOCKER_HOST: undefined })
    expect(inspect.exitCode, inspect.log).toBe(0)
    await expectCleanAfterPost(job)
  })
})

describe('the login check', () => {
  const basic = `Basic ${Buffer.from(`AWS:${motoPassword(HOSTS.faulty)}`).toString('base64')}`

  it('goes over the one connection opened ahead to a registry written in registries', async () => {
    // ECR answers 1 s late: a connection the check opened itself would be made after that.
    h.aws.faults.add(call => call.service === 'ecr', [{ kind: 'stall', ms: 1000 }])
    const job = h.job({ ambient: true })
    const [connectionsBefore, requestsBefore] = [registry.connections.length, registry.requests.length]

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.faulty })

    expect(main.exitCode, job.log).toBe(0)
    const connections = registry.connections.slice(connectionsBefore)
    expect(connections.map(connection => connection.sni)).toEqual([HOSTS.faulty])
    const requests = registry.requests.slice(requestsBefore)
    expect(requests.map(r => [r.method, r.path, r.authorization, r.connection])).toEqual([
      ['GET', '/v2/', basic, connectionsBefore]
    ])
    expect(requests[0].at - connections[0].at).toBeGreaterThanOrEqual(900)
    await expectCleanAfterPost(job)
  })

  // As public.ecr.aws answers: a Bearer challenge naming its token service, which takes Basic credentials.
  const CHALLENGE = `Bearer realm="https://${HOSTS.faulty}/token/",service="${HOSTS.faulty}",scope="aws"`
  it.each([
    { answer: 'a token', status: 200, body: '{"token":"e2e-registry-token"}', exitCode: 0 },
    { answer: 'HTTP 401', status: 401, body: '{"errors":[{"code":"DENIED","message":"bad credentials"}]}', exitCode: 1 }
  ])('with a token service (as ECR Public): asks it with Basic credentials; it answers $answer', async answer => {
    registry.faults.add(
      request => request.path === '/v2/',
      [{ kind: 'status', status: 401, contentType: 'application/json', headers: { 'WWW-Authenticate': CHALLENGE } }]
    )
    const { status, body } = answer
    registry.faults.add(
      request => request.path.startsWith('/token/'),
      [{ kind: 'status', status, body, contentType: 'application/json' }]
    )
    const job = h.job({ ambient: true })
    const before = registry.requests.length

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.faulty })

    expect(main.exitCode, job.log).toBe(answer.exitCode)
    expect(registry.requests.slice(before).map(r => [r.path, r.authorization])).toEqual([
      ['/v2/', basic],
      [`/token/?service=${HOSTS.faulty}&scope=aws&account=AWS`, basic]
    ])
    if (answer.exitCode === 0) {
      expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.faulty])
    } else {
      expect(main.log).toContain(
        `Error: ${HOSTS.faulty} refused the login (its token service ${HOSTS.faulty} answered HTTP 401: DENIED: bad credentials).`
      )
      expect(job.dockerConfigJson().auths ?? {}).toEqual({})
    }
    await expectCleanAfterPost(job)
  })
})
