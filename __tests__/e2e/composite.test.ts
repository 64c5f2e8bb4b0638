// The action inside a composite action, as teams wrap it: inputs passed through, outputs mapped.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOSTS, REPO_ROOT, useHarness } from './support/harness.js'

const h = useHarness()

describe('inside a composite action', () => {
  it('logs in, maps the outputs for the next step, and logs out at job end', async () => {
    const job = h.job({ oidc: true })
    const composite = await job.uses(join(REPO_ROOT, '__tests__', 'e2e', 'fixtures', 'composite'), {
      role: 'arn:aws:iam::123456789012:role/gha-ecr-push'
    })
    expect(composite.exitCode, job.log).toBe(0)
    expect(composite.outputs).toEqual({ registry: HOSTS.default, image: `${HOSTS.default}/app:1.0` })
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.default])

    const posts = await job.finish()
    expect(posts.map(post => post.exitCode)).toEqual([0])
    expect(job.dockerConfigJson().auths).toEqual({})
  })
})
