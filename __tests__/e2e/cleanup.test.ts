// What the job leaves behind: nothing of ours after post, and everything of the user's untouched.
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOCKER_PATHS, HOSTS, REPO_ROOT, useHarness } from './support/harness.js'

const h = useHarness()
const FIXTURE_BIN = join(REPO_ROOT, '__tests__', 'e2e', 'fixtures', 'bin')

const USER_CONFIG = {
  auths: { 'ghcr.io': { auth: Buffer.from('octocat:ghp_not_a_real_token').toString('base64') } },
  credHelpers: { 'gcr.io': 'gcloud' },
  proxies: { default: { httpProxy: 'http://proxy.example:3128', noProxy: '*.internal' } },
  plugins: { buildx: { 'kubernetes.namespace': 'ci' } },
  detachKeys: 'ctrl-e,e',
  psFormat: 'table {{.ID}}\t{{.Image}}'
}

describe.each(DOCKER_PATHS)('cleaning up ($name)', ({ daemon }) => {
  it('leaves the user’s docker config as it found it: other auths, credHelpers, proxies, plugins', async () => {
    const job = h.job({ ambient: true, daemon })
    writeFileSync(join(job.dockerConfig, 'config.json'), JSON.stringify(USER_CONFIG, null, 2))

    const main = await job.uses(REPO_ROOT, { registries: [HOSTS.euA, HOSTS.usB].join(',') })
    expect(main.exitCode, job.log).toBe(0)
    const during = job.dockerConfigJson()
    expect(Object.keys(during.auths ?? {}).sort()).toEqual(['ghcr.io', HOSTS.euA, HOSTS.usB].sort())
    expect({ ...during, auths: USER_CONFIG.auths }).toEqual(USER_CONFIG)

    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    expect(job.dockerConfigJson()).toEqual(USER_CONFIG)
  })

  it('logs in through the user’s credsStore and erases our entries from it at the end', async () => {
    const store = join(h.peers.dir, `store-${Date.now()}.json`)
    const otherEntry = { 'https://index.docker.io/v1/': { Username: 'octocat', Secret: 'dckr_pat_not_real' } }
    writeFileSync(store, JSON.stringify(otherEntry))
    const job = h.job({
      ambient: true,
      daemon,
      env: { PATH: `${FIXTURE_BIN}:${process.env.PATH}`, E2E_CREDENTIAL_STORE: store }
    })
    writeFileSync(join(job.dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'e2e' }))

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB })
    expect(main.exitCode, job.log).toBe(0)
    const stored = JSON.parse(readFileSync(store, 'utf8')) as Record<string, { Username: string; Secret: string }>
    expect(stored[HOSTS.euB]).toEqual({ Username: 'AWS', Secret: '222222222222-auth-token' })

    await job.finish()
    expect(JSON.parse(readFileSync(store, 'utf8'))).toEqual(otherEntry)
    expect(job.dockerConfigJson().credsStore).toBe('e2e')
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).not.toContain(HOSTS.euB)
  })

  it('logs out of the docker config it logged in to, though a later step points DOCKER_CONFIG elsewhere', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA })
    expect(main.exitCode, job.log).toBe(0)
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])

    // As after a later step's `echo DOCKER_CONFIG=… >> $GITHUB_ENV`.
    const [post] = await job.finish({ DOCKER_CONFIG: join(job.dir, 'elsewhere') })
    expect(post.exitCode, job.log).toBe(0)
    expect(post.log).toContain(`Logged out of ${HOSTS.euA}`)
    expect(job.dockerConfigJson().auths).toEqual({})
  })

  it('warns, naming the host and the config, when the login is gone before post', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: [HOSTS.euA, HOSTS.euB].join(',') })
    expect(main.exitCode, job.log).toBe(0)
    const other = await job.runShell('another logout', `docker logout ${HOSTS.euA}`)
    expect(other.exitCode, job.log).toBe(0)

    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    expect(post.log).toContain(
      `Warning: Could not log out of ${HOSTS.euA}: docker has no login for it in the docker config ` +
        `${job.dockerConfig}: another step logged out of it, or removed or replaced that config.`
    )
    expect(post.log).not.toContain(`Logged out of ${HOSTS.euA}`)
    expect(post.log).toContain(`Logged out of ${HOSTS.euB}`)
    expect(job.dockerConfigJson().auths).toEqual({})
  })

  it('keeps the login after the job when logout is false', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA, logout: 'false' })
    expect(main.exitCode, job.log).toBe(0)
    // Where it logged in, and no registry to log out of.
    expect(main.state).toEqual({
      'login-target': JSON.stringify({ client: 'docker', dockerConfig: job.dockerConfig })
    })

    const [post] = await job.finish()
    expect(post.exitCode).toBe(0)
    expect(post.log).not.toContain('Logged out')
    expect(post.log).not.toContain('Warning')
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
  })

  it('keeps the login with amazon-ecr-login’s skip-logout: true', async () => {
    const job = h.job({ ambient: true, daemon })
    await job.uses(REPO_ROOT, { registries: HOSTS.euA, 'skip-logout': 'true' })
    await job.finish()
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
  })

  it('post after a main that failed before logging in is a quiet success', async () => {
    const job = h.job({ ambient: true, daemon })
    const main = await job.uses(REPO_ROOT, { registries: 'not-a-registry' })
    expect(main.exitCode).toBe(1)
    const [post] = await job.finish()
    expect(post.exitCode).toBe(0)
    expect(post.log).not.toMatch(/Warning|Error/)
    expect(existsSync(join(job.dockerConfig, 'config.json'))).toBe(false)
  })
})
