// An OS credential store that docker picks by itself (issue 16). With no auths and no credsStore in
// config.json, the docker CLI keeps logins in the platform's store when its helper is on PATH:
// wincred on Windows (which holds at most 2,560 bytes, less than an ECR Public password), the
// keychain on macOS (which a self-hosted runner may find locked). Here the CLI's own detection picks
// a fake docker-credential-secretservice that refuses as those do and records what it is asked.
// No ECR password may reach such a store; a store the user named is used, and its failure is clear.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  expectSecretServiceIsDockersDefault,
  fakeCredentialStore,
  STORE_REFUSALS,
  type StoreRefusal
} from './support/credential-store.js'
import {
  DOCKER_PATHS,
  ECR_PUBLIC_HOSTS,
  ECR_PUBLIC_PASSWORD,
  HOSTS,
  motoPassword,
  REPO_ROOT,
  useHarness
} from './support/harness.js'
import { itOnceFixed } from './support/known-failures.js'
import type { Env, Job } from './support/runner.js'

const h = useHarness()

const PUBLIC = ECR_PUBLIC_HOSTS[0]
const REGISTRIES = [HOSTS.euA, PUBLIC]
const PASSWORDS = [motoPassword(HOSTS.euA), ECR_PUBLIC_PASSWORD]
const REFUSALS = Object.keys(STORE_REFUSALS) as StoreRefusal[]

interface DockerConfig {
  auths?: Record<string, unknown>
  credsStore?: string
}

/** The user's docker config before the job: none, the advice given for wincred ({}), or a job copy of none. */
const CONFIGS = [
  { label: 'no config.json', config: undefined, inputs: {} },
  { label: 'a config.json of {}', config: '{}\n', inputs: {} },
  { label: 'docker-config: job', config: undefined, inputs: { 'docker-config': 'job' } }
] as const

function escaped(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
}

/** A store named `name` on the job's PATH (first), refusing as `refuses` does. */
function storeFor(job: Job, name: string, refuses: StoreRefusal) {
  const store = fakeCredentialStore(join(job.dir, 'os-store'), name, refuses)
  const env: Env = { PATH: `${store.bin}:${process.env.PATH}`, ...store.env }
  expectSecretServiceIsDockersDefault(env.PATH!)
  return { store, env }
}

/** The answer of the registry to docker's own credential lookup for `host` (the CLI alone, no daemon). */
function inspectWithDockersCredentials(job: Job, host: string, env: Env) {
  return job.runShell(`docker manifest inspect ${host}`, `docker manifest inspect ${host}/e2e/absent:1`, {
    ...env,
    DOCKER_HOST: undefined
  })
}

describe.each(DOCKER_PATHS)('an OS credential store docker picks by itself ($name)', ({ daemon }) => {
  describe.each(REFUSALS)('that refuses as %s does', refusal => {
    // Today the login goes to the store and fails with the store's words (issue 16).
    const itFixed = itOnceFixed('issue16NoPasswordInDetectedStore', escaped(STORE_REFUSALS[refusal]))

    for (const { label, config, inputs } of CONFIGS) {
      itFixed(`with ${label}: logs in and out, and the store is never asked to hold an ECR password`, async () => {
        const job = h.job({ ambient: true, daemon })
        const { store, env } = storeFor(job, 'secretservice', refusal)
        if (config !== undefined) writeFileSync(join(job.dockerConfig, 'config.json'), config)

        const main = await job.uses(REPO_ROOT, { registries: REGISTRIES.join(','), ...inputs }, env)

        expect(main.exitCode, job.log).toBe(0)
        const requests = JSON.stringify(store.requests())
        for (const password of PASSWORDS) expect(requests, 'the store was sent a password').not.toContain(password)
        expect(store.requests().filter(request => request.command === 'store')).toEqual([])
        expect(store.entries()).toEqual({})
        const dockerEnv = { ...env, DOCKER_CONFIG: main.exportedEnv.DOCKER_CONFIG ?? job.dockerConfig }
        const used = JSON.parse(readFileSync(join(dockerEnv.DOCKER_CONFIG, 'config.json'), 'utf8')) as DockerConfig
        // Once it has used a store it picked, docker names it in config.json for every later login.
        expect(used.credsStore).toBeUndefined()
        expect(Object.keys(used.auths ?? {}).sort()).toEqual([...REGISTRIES].sort())
        // docker finds the logins itself: the registry answers the lookup as an authenticated one.
        for (const host of REGISTRIES) {
          const inspect = await inspectWithDockersCredentials(job, host, dockerEnv)
          expect(inspect.log).toMatch(/manifest unknown|no such manifest/i)
        }

        const [post] = await job.finish()
        expect(post.exitCode, job.log).toBe(0)
        expect(post.log).not.toMatch(/Warning/)
        expect(store.requests().filter(request => request.command === 'store')).toEqual([])
        expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([])
        if (main.exportedEnv.DOCKER_CONFIG) expect(existsSync(main.exportedEnv.DOCKER_CONFIG)).toBe(false)
        for (const host of REGISTRIES) {
          const inspect = await inspectWithDockersCredentials(job, host, dockerEnv)
          expect(inspect.log).not.toMatch(/manifest unknown|no such manifest/i)
        }
      })
    }
  })
})

describe.each(DOCKER_PATHS)('a credential store the user named in config.json ($name)', ({ daemon }) => {
  it.each([
    ['wincred', 'wincred'],
    ['osxkeychain', 'locked-keychain']
  ] as const)(
    'credsStore %s that refuses as %s does: used, and its refusal is a clear error',
    async (name, refusal) => {
      for (const inputs of [{}, { 'docker-config': 'job' }] as Record<string, string>[]) {
        const job = h.job({ ambient: true, daemon })
        const { store, env } = storeFor(job, name, refusal)
        const userConfig = `${JSON.stringify({ credsStore: name })}\n`
        writeFileSync(join(job.dockerConfig, 'config.json'), userConfig)

        const main = await job.uses(REPO_ROOT, { registries: PUBLIC, ...inputs }, env)

        expect(main.exitCode, job.log).toBe(1)
        // The user's choice is respected: the step asked their store to hold the login, as docker does.
        expect(store.requests().map(request => request.command)).toContain('store')
        expect(main.log).toContain(
          `Error: Storing the login to ${PUBLIC} failed: docker-credential-${name}: ${STORE_REFUSALS[refusal]}`
        )
        expect(job.log).not.toContain(ECR_PUBLIC_PASSWORD)
        expect(job.dockerConfigJson()).toEqual({ credsStore: name })

        const [post] = await job.finish()
        expect(post.exitCode, job.log).toBe(0)
        expect(job.dockerConfigJson()).toEqual({ credsStore: name })
      }
    }
  )
})
