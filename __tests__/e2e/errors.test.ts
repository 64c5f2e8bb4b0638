// Every failure a user can cause, end to end: the main step fails with its message, and after
// the post step (which succeeds) no credentials of ours are left behind.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { awsErrorBody } from './support/aws-front.js'
import { pathWith } from './support/clients.js'
import { DOCKER_PATHS, expectCleanAfterPost, HOSTS, REPO_ROOT, ROLE_ARN, useHarness } from './support/harness.js'

const h = useHarness()

describe('errors a user can cause', () => {
  it('role-to-assume without the id-token permission says how to grant it', async () => {
    const job = h.job()
    const main = await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toMatch(/^Error: role-to-assume is set, but this job cannot get a GitHub OIDC token/m)
    expect(main.log).toContain("'permissions: id-token: write'")
    expect(main.log).toContain('forks')
    await expectCleanAfterPost(job)
  })

  it('a malformed role ARN names the input and the accepted form', async () => {
    const job = h.job({ oidc: true })
    const main = await job.uses(REPO_ROOT, { 'role-to-assume': 'arn:aws:iam::12345:role/x', 'aws-region': 'eu-west-1' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(
      "Error: role-to-assume: 'arn:aws:iam::12345:role/x' is not an IAM role ARN. Use arn:aws:iam::<12-digit account>:role/<name>"
    )
    await expectCleanAfterPost(job)
  })

  it.each([['123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example'], ['docker.io']])(
    'a registry entry that is not ECR (%s) is named, with the accepted forms',
    async entry => {
      const job = h.job({ ambient: true })
      const callsBefore = h.aws.calls.length
      const main = await job.uses(REPO_ROOT, { registries: `${HOSTS.euA},${entry}` })
      expect(main.exitCode).toBe(1)
      expect(main.log).toContain(`Error: registries: '${entry}' is not an ECR registry. Each entry must be a 12-digit`)
      expect(h.aws.since(callsBefore)).toEqual([])
      await expectCleanAfterPost(job)
    }
  )

  it('an account ID whose leading zero YAML dropped says so and shows the quoted form', async () => {
    const job = h.job({ ambient: true })
    const callsBefore = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { registries: '12345678901', 'aws-region': 'eu-west-1' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(
      "Error: registries: '12345678901' has 11 digits: YAML read an unquoted account ID with a leading zero as a " +
        "number and dropped the zero. Quote the account ID: registries: '012345678901'."
    )
    expect(h.aws.since(callsBefore)).toEqual([])
    await expectCleanAfterPost(job)
  })

  it('docker (and podman) missing from PATH fails before any credentials are fetched', async () => {
    const job = h.job({ oidc: true })
    // Only what the step's wrapper needs: /usr/bin has podman, and docker.io's old docker where installed.
    const PATH = pathWith(join(job.dir, 'bin'), ['unshare', 'bash', 'mount'])
    const callsBefore = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' }, { PATH })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain('Error: docker is not on PATH, and neither is podman.')
    expect(h.aws.since(callsBefore)).toEqual([])
    await expectCleanAfterPost(job)
  })

  it('ECR refusing the token names the permission and the principal, without retrying', async () => {
    const job = h.job({ oidc: true })
    const denied =
      'User: arn:aws:sts::123456789012:assumed-role/gha-ecr-push/gha-octo-org.octo-repo-1234567890-1 is not authorized ' +
      'to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action'
    h.aws.faults.add(call => call.service === 'ecr', [awsErrorBody('ecr', 'AccessDeniedException', denied)])
    const callsBefore = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(
      `Error: ECR GetAuthorizationToken in eu-west-1 was refused (AccessDeniedException: ${denied}).`
    )
    expect(main.log).toContain(`Grant the principal named there 'ecr:GetAuthorizationToken' on Resource "*"`)
    expect(h.aws.since(callsBefore).filter(call => call.service === 'ecr')).toHaveLength(1)
    await expectCleanAfterPost(job)
  })

  it('STS refusing the role points at the trust policy and shows the token’s sub and aud', async () => {
    const job = h.job({ oidc: true })
    h.aws.faults.add(
      call => call.action === 'AssumeRoleWithWebIdentity',
      [awsErrorBody('sts', 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity')]
    )
    const callsBefore = h.aws.calls.length
    const main = await job.uses(REPO_ROOT, { 'role-to-assume': ROLE_ARN, 'aws-region': 'eu-west-1' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain(`Error: STS refused to let this workflow assume ${ROLE_ARN}`)
    expect(main.log).toContain("Check the role's trust policy")
    expect(main.log).toContain('sub=repo:octo-org/octo-repo:ref:refs/heads/main, aud=sts.amazonaws.com')
    expect(h.aws.since(callsBefore).map(call => call.action)).toEqual(['AssumeRoleWithWebIdentity'])
    await expectCleanAfterPost(job)
  })

  it('an ECR endpoint that refuses connections fails after retry-max-attempts with a clear message', async () => {
    const job = h.job({ ambient: true, env: { AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:9' } })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'retry-max-attempts': '2' })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain('ECR GetAuthorizationToken in eu-west-1 failed (')
    expect(main.log).toContain('retrying in')
    expect(main.log).toMatch(
      /Error: ECR GetAuthorizationToken in eu-west-1 failed 2 time\(s\) with a transient error, the last: .*ECONNREFUSED/
    )
    await expectCleanAfterPost(job)
  })

  it('no credentials at all explains the two ways to provide them', async () => {
    const job = h.job()
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA })
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain('Error: No AWS credentials found. Either set role-to-assume')
    await expectCleanAfterPost(job)
  })
})

describe.each(DOCKER_PATHS)('a registry refusing the login ($name)', ({ daemon }) => {
  it('a login the registry rejects names the host and the registry’s answer; the others are logged out by post', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: [HOSTS.euA, HOSTS.wrongPassword, HOSTS.euB].join(',') })
    expect(main.exitCode).toBe(1)
    // The step's own GET /v2/ checked the password, with or without a daemon: the same words.
    expect(main.log).toContain(
      `Error: ${HOSTS.wrongPassword} refused the login (GET /v2/ answered HTTP 401: UNAUTHORIZED: authentication required). ` +
        `The registry refused the credentials ECR issued: check that ${HOSTS.wrongPassword} is the registry you mean`
    )
    expect(main.log).toContain(`Logged in to ${HOSTS.euA}, ${HOSTS.euB}; the post step logs out of them.`)
    expect(Object.keys(job.dockerConfigJson().auths ?? {}).sort()).toEqual([HOSTS.euA, HOSTS.euB].sort())
    // A 401 is not retried.
    expect(main.log).not.toContain('retrying')
    await expectCleanAfterPost(job)
  })
})
