// Every client a runner has, pushing a real image to an ECR host of the suite with the action's
// login, and refused once the post step has logged out; podman-only runners; jobs that share one
// user with `docker-config: job`.
import { lstatSync, mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureHelm, pathWith, podmanOnlyEnv, push, PUSH_CLIENTS } from './support/clients.js'
import { HOSTS, REPO_ROOT, useHarness } from './support/harness.js'
import type { Job, StepResult } from './support/runner.js'

const h = useHarness()

beforeAll(() => {
  ensureHelm(3)
  ensureHelm(4)
})

// A registry's answer to a push without valid credentials, as each client words it.
const REFUSED = /unauthorized|authentication required|basic credential not found|no basic auth credentials|401/i

function ok(step: StepResult, job: Job): void {
  expect(step.exitCode, `${step.name}:\n${step.log}\n\njob:\n${job.log}`).toBe(0)
}

function refused(step: StepResult): void {
  expect(step.exitCode, step.log).not.toBe(0)
  expect(step.log).toMatch(REFUSED)
}

describe('other clients push with the login in DOCKER_CONFIG', () => {
  it.each(PUSH_CLIENTS)('%s pushes after main and is refused after post', async client => {
    const job = h.job({ ambient: true, daemon: client === 'docker (daemon)' })
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA })
    ok(main, job)
    ok(await push(job, client, HOSTS.euA), job)

    const [post] = await job.finish()
    ok(post, job)
    refused(await push(job, client, HOSTS.euA))
  })
})

describe('a runner with podman and no docker', () => {
  it('logs in with podman into the containers auth file; skopeo pushes; refused after post', async () => {
    const job = h.job({ ambient: true })
    const env = podmanOnlyEnv(job)
    const authFile = join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB }, env)
    ok(main, job)
    expect(main.log).toContain(`docker is not on PATH: logging in with podman into ${authFile}`)
    expect(main.log).toContain(`Logged in to ${HOSTS.euB}`)
    expect(Object.keys((JSON.parse(readFileSync(authFile, 'utf8')) as { auths: object }).auths)).toEqual([HOSTS.euB])
    // podman wrote its own file only: docker's config (DOCKER_CONFIG is set) is untouched.
    expect(existsSync(join(job.dockerConfig, 'config.json'))).toBe(false)
    ok(await push(job, 'skopeo', HOSTS.euB, env), job)

    const [post] = await job.finish()
    ok(post, job)
    expect(post.log).toContain(`Logged out of ${HOSTS.euB}`)
    expect(JSON.parse(readFileSync(authFile, 'utf8'))).toEqual({ auths: {} })
    refused(await push(job, 'skopeo', HOSTS.euB, env))
  })

  it('with docker-config: job, logs in to an auth file of the job, exported as REGISTRY_AUTH_FILE', async () => {
    const job = h.job({ ambient: true })
    const env = podmanOnlyEnv(job)
    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB, 'docker-config': 'job' }, env)
    ok(main, job)
    const authFile = main.exportedEnv.REGISTRY_AUTH_FILE
    expect(authFile.startsWith(join(job.dir, 'temp', 'ecr-login-'))).toBe(true)
    expect(existsSync(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'))).toBe(false)
    ok(await push(job, 'skopeo', HOSTS.euB, { ...env, REGISTRY_AUTH_FILE: authFile }), job)

    const [post] = await job.finish()
    ok(post, job)
    expect(existsSync(authFile)).toBe(false)
    refused(await push(job, 'skopeo', HOSTS.euB, { ...env, REGISTRY_AUTH_FILE: authFile }))
  })

  it('fails at once, naming both clients, with neither', async () => {
    const job = h.job({ ambient: true })
    const main = await job.uses(
      REPO_ROOT,
      { registries: HOSTS.euB },
      {
        PATH: pathWith(join(job.dir, 'bin'), ['unshare', 'bash', 'mount'])
      }
    )
    expect(main.exitCode).toBe(1)
    expect(main.log).toContain('Error: docker is not on PATH, and neither is podman.')
  })
})

describe('docker-config: job, for jobs that share one user', () => {
  const USER_CONFIG = `${JSON.stringify(
    {
      auths: { 'ghcr.io': { auth: Buffer.from('octocat:ghp_not_a_real_token').toString('base64') } },
      proxies: { default: { noProxy: '*.internal' } },
      psFormat: 'table {{.ID}}'
    },
    null,
    '\t'
  )}\n`

  it('two jobs at once: one ends while the other still pushes; the user’s config.json is unchanged', async () => {
    // One HOME for both, as two runner instances of one user on one host; DOCKER_CONFIG unset.
    const home = join(h.peers.dir, `shared-home-${Date.now()}`)
    mkdirSync(join(home, '.docker', 'buildx', 'instances'), { recursive: true })
    writeFileSync(join(home, '.docker', 'buildx', 'instances', 'builder'), '{"Name":"builder"}')
    writeFileSync(join(home, '.docker', 'config.json'), USER_CONFIG)
    const shared = { HOME: home, DOCKER_CONFIG: undefined }
    const [a, b] = [h.job({ ambient: true, env: shared }), h.job({ ambient: true, env: shared })]

    const [mainA, mainB] = await Promise.all([
      a.uses(REPO_ROOT, { registries: HOSTS.usA, 'docker-config': 'job' }),
      b.uses(REPO_ROOT, { registries: HOSTS.usA, 'docker-config': 'job' })
    ])
    ok(mainA, a)
    ok(mainB, b)
    const dirA = mainA.exportedEnv.DOCKER_CONFIG
    const dirB = mainB.exportedEnv.DOCKER_CONFIG
    expect(dirA.startsWith(join(a.dir, 'temp', 'ecr-login-'))).toBe(true)
    expect(dirB.startsWith(join(b.dir, 'temp', 'ecr-login-'))).toBe(true)
    expect(statSync(dirA).mode & 0o777).toBe(0o700)
    // The job's copy keeps the user's other settings, and the builders of setup-buildx-action.
    const copy = JSON.parse(readFileSync(join(dirA, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(Object.keys(copy.auths as object).sort()).toEqual(['ghcr.io', HOSTS.usA].sort())
    expect(copy.proxies).toEqual({ default: { noProxy: '*.internal' } })
    expect(lstatSync(join(dirA, 'buildx')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(dirA, 'buildx', 'instances', 'builder'), 'utf8')).toBe('{"Name":"builder"}')

    // Later steps get DOCKER_CONFIG from GITHUB_ENV, as on the runner.
    const [pushA, pushB] = await Promise.all([
      push(a, 'skopeo', HOSTS.usA, { DOCKER_CONFIG: dirA }),
      push(b, 'skopeo', HOSTS.usA, { DOCKER_CONFIG: dirB })
    ])
    ok(pushA, a)
    ok(pushB, b)

    const [postA] = await a.finish()
    ok(postA, a)
    expect(existsSync(dirA)).toBe(false)
    ok(await push(b, 'skopeo', HOSTS.usA, { DOCKER_CONFIG: dirB }), b)
    refused(await push(a, 'skopeo', HOSTS.usA, { DOCKER_CONFIG: dirA }))

    const [postB] = await b.finish()
    ok(postB, b)
    expect(existsSync(dirB)).toBe(false)
    expect(readFileSync(join(home, '.docker', 'config.json'), 'utf8')).toBe(USER_CONFIG)
    expect(readFileSync(join(home, '.docker', 'buildx', 'instances', 'builder'), 'utf8')).toBe('{"Name":"builder"}')
  })

  it('without it, the first job to end logs the other one out (why job exists)', async () => {
    const home = join(h.peers.dir, `shared-home-default-${Date.now()}`)
    mkdirSync(join(home, '.docker'), { recursive: true })
    const shared = { HOME: home, DOCKER_CONFIG: undefined }
    const [a, b] = [h.job({ ambient: true, env: shared }), h.job({ ambient: true, env: shared })]
    ok(await a.uses(REPO_ROOT, { registries: HOSTS.usB }), a)
    ok(await b.uses(REPO_ROOT, { registries: HOSTS.usB }), b)
    await a.finish()
    refused(await push(b, 'skopeo', HOSTS.usB))
  })
})
