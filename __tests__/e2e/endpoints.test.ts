// Every registry host form logs in, with its token from the API endpoint AWS intends for it: one
// test per partition the SDK ships and per variant (standard, FIPS, dual-stack, dual-stack FIPS),
// through the daemon and without one. The host forms and endpoint names come from the SDK's own
// partition data and endpoint rules (support/aws-hosts.ts), not from src's parser.
import { describe, expect, it } from 'vitest'
import { apiHost, registryForms } from './support/aws-hosts.js'
import {
  DOCKER_PATHS,
  ECR_PUBLIC_HOSTS,
  ECR_PUBLIC_PASSWORD,
  expectCleanAfterPost,
  FORMS_ACCOUNT,
  REPO_ROOT,
  useHarness
} from './support/harness.js'

const h = useHarness()
const FORMS = await registryForms(FORMS_ACCOUNT)
const PASSWORD = `${FORMS_ACCOUNT}-auth-token`

function formOf(partition: string, variant: string): string {
  const form = FORMS.find(f => f.partition.id === partition && f.variant === variant)
  if (!form) throw new Error(`the SDK has no ${variant} ECR endpoint in ${partition}`)
  return form.host
}

describe('the host forms under test', () => {
  it('cover every partition the SDK ships, in all four variants where the SDK resolves them', () => {
    const partitions = new Set(FORMS.map(form => form.partition.id))
    expect(partitions.size).toBeGreaterThanOrEqual(8)
    expect(partitions).toContain('aws')
    expect(partitions).toContain('aws-iso-f')
    expect(FORMS.filter(form => form.partition.id === 'aws').map(form => form.host)).toEqual([
      `${FORMS_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
      `${FORMS_ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`,
      `${FORMS_ACCOUNT}.dkr-ecr.us-east-1.on.aws`,
      `${FORMS_ACCOUNT}.dkr-ecr-fips.us-east-1.on.aws`
    ])
  })
})

describe.each(DOCKER_PATHS)('every host form logs in ($name)', ({ daemon }) => {
  it.each(FORMS.map(form => [form.partition.id, form.variant, form.host, form.apiHost, form.partition.region]))(
    '%s, %s: %s gets its token from %s',
    async (_partition, _variant, host, endpoint, region) => {
      const job = h.job({ ambient: true, daemon })
      const before = h.aws.calls.length

      const main = await job.uses(REPO_ROOT, { registries: host })

      expect(main.exitCode, job.log).toBe(0)
      const calls = h.aws.since(before).map(call => `${call.service} ${call.action} ${call.region} at ${call.sni}`)
      expect(calls).toEqual([`ecr GetAuthorizationToken ${region} at ${endpoint}`])
      expect(main.outputs.registries).toBe(host)
      expect(main.outputs[`docker_password_${host.replace(/[.-]/g, '_')}`]).toBe(PASSWORD)
      expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([host])
      await expectCleanAfterPost(job)
    }
  )
})

describe.each(DOCKER_PATHS)('endpoint settings ($name)', ({ daemon }) => {
  it.each([['AWS_ENDPOINT_URL_ECR'], ['AWS_ENDPOINT_URL']])(
    'a custom endpoint (%s) serves FIPS and dual-stack hosts: the login still happens',
    async variable => {
      const hosts = [formOf('aws', 'fips'), formOf('aws', 'dualstack'), formOf('aws', 'dualstack-fips')]
      const job = h.job({ ambient: true, daemon, env: { [variable]: h.aws.url } })
      const before = h.aws.calls.length

      const main = await job.uses(REPO_ROOT, { registries: hosts.join(',') })

      expect(main.exitCode, job.log).toBe(0)
      const calls = h.aws.since(before)
      expect(calls.length).toBeGreaterThanOrEqual(1)
      for (const call of calls) {
        expect(call.service).toBe('ecr')
        // The plain front: the custom endpoint, not any of AWS's names.
        expect(call.sni).toBeUndefined()
        expect(call.host).toBe('127.0.0.1')
      }
      expect(Object.keys(job.dockerConfigJson().auths ?? {}).sort()).toEqual([...hosts].sort())
      await expectCleanAfterPost(job)
    }
  )

  it.each([
    ['AWS_USE_FIPS_ENDPOINT', 'FIPS', 'fips'],
    ['AWS_USE_DUALSTACK_ENDPOINT', 'dual-stack', 'dualstack']
  ] as const)('%s=true sends a standard host’s call to the %s endpoint', async (variable, _name, variant) => {
    const host = formOf('aws', 'standard')
    const job = h.job({ ambient: true, daemon, env: { [variable]: 'true' } })
    const before = h.aws.calls.length

    const main = await job.uses(REPO_ROOT, { registries: host })

    expect(main.exitCode, job.log).toBe(0)
    expect(h.aws.since(before).map(call => call.sni)).toEqual([apiHost('ecr', 'us-east-1', variant)])
    await expectCleanAfterPost(job)
  })
})

describe.each(DOCKER_PATHS)('ECR Public ($name)', ({ daemon }) => {
  it.each([
    [ECR_PUBLIC_HOSTS[0], apiHost('ecr-public', 'us-east-1', 'standard')],
    [ECR_PUBLIC_HOSTS[1], apiHost('ecr-public', 'us-east-1', 'dualstack')]
  ])('%s logs in with a token from %s', async (host, endpoint) => {
    const job = h.job({ ambient: true, daemon })
    const before = h.aws.calls.length

    const main = await job.uses(REPO_ROOT, { registries: host })

    expect(main.exitCode, job.log).toBe(0)
    const calls = h.aws.since(before).map(call => `${call.service} ${call.action} ${call.region} at ${call.sni}`)
    expect(calls).toEqual([`ecr-public GetAuthorizationToken us-east-1 at ${endpoint}`])
    expect(main.outputs[`docker_password_${host.replace(/[.-]/g, '_')}`]).toBe(ECR_PUBLIC_PASSWORD)
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([host])
    await expectCleanAfterPost(job)
  })
})
