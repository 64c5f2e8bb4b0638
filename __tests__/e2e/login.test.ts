// Logging in, as a workflow sees it: OIDC and ambient credentials, one or many registries, with
// AWS reached at its own host names, and docker with and without a daemon.
import { describe, expect, it } from 'vitest'
import { DOCKER_PATHS, HOSTS, REPO_ROOT, useHarness } from './support/harness.js'

const h = useHarness()

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
