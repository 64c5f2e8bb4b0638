// Per-file set-up for scenarios: the AWS front (AWS's own API host names over TLS; records calls,
// injects faults) and the OIDC endpoint run in the test process. Jobs reach AWS as on a runner,
// with no AWS_ENDPOINT_URL_*, unless a scenario asks for a custom endpoint.
import { afterAll, beforeAll, expect, inject } from 'vitest'
import { AwsFront } from './aws-front.js'
import { OidcServer } from './oidc-server.js'
import { Job, type JobOptions, REPO_ROOT } from './runner.js'
import { AMBIENT, FAULTY_BACKEND_PORT, FAULTY_FRONT_ADDRESS, HOSTS, type PeersInfo } from './peers.js'
import { nodeExecPath } from './node-releases.js'
import { RegistryFront } from './registry-front.js'

export { ECR_PUBLIC_HOSTS, ECR_PUBLIC_PASSWORD, FORMS_ACCOUNT, HOSTS, motoPassword, ROLE_ARN } from './peers.js'
export { REPO_ROOT }

export interface Harness {
  peers: PeersInfo
  aws: AwsFront
  oidc: OidcServer
  /** A job whose steps reach moto through the front; `oidc: true` adds the runner's OIDC variables. */
  job(options?: HarnessJobOptions): Job
}

export interface HarnessJobOptions extends JobOptions {
  /** The runner's OIDC variables, pointing at the suite's OIDC endpoint. */
  oidc?: boolean
  /** Credentials in the environment, as configure-aws-credentials leaves them. */
  ambient?: boolean
  /** docker talks to the suite's docker daemon (DOCKER_HOST), as on a GitHub-hosted runner. */
  daemon?: boolean
  /** AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_ECR at the front's plain address (a VPC endpoint, LocalStack). */
  customEndpoint?: boolean
  /** The Node release that runs the action's scripts (see node-releases.ts); the suite's Node 24 by default. */
  nodeVersion?: string
}

/** The two ways docker runs logins, for describe.each: the CLI alone, and through a daemon. */
export const DOCKER_PATHS = [
  { name: 'no daemon', daemon: false },
  { name: 'daemon', daemon: true }
] as const

export function useHarness(): Harness {
  const peers = inject('peers')
  const harness = { peers } as Harness
  beforeAll(async () => {
    harness.aws = new AwsFront(peers.motoUrl, { address: peers.awsAddress, ...peers.tls })
    harness.oidc = new OidcServer()
    await Promise.all([harness.aws.start(), harness.oidc.start()])
  })
  afterAll(async () => {
    await Promise.all([harness.aws?.stop(), harness.oidc?.stop()])
  })
  harness.job = (options = {}) =>
    new Job(peers, {
      ...options,
      node: options.nodeVersion ? nodeExecPath(options.nodeVersion) : options.node,
      env: {
        ...(options.customEndpoint
          ? { AWS_ENDPOINT_URL_STS: harness.aws.url, AWS_ENDPOINT_URL_ECR: harness.aws.url }
          : {}),
        ...(options.daemon ? { DOCKER_HOST: peers.dockerHost } : {}),
        ...(options.oidc
          ? {
              ACTIONS_ID_TOKEN_REQUEST_URL: harness.oidc.url,
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: harness.oidc.requestToken
            }
          : {}),
        ...(options.ambient ? AMBIENT : {}),
        ...options.env
      }
    })
  return harness
}

/** A fault-injecting TLS front for HOSTS.faulty's registry, for the file's tests. */
export function useFaultyRegistry(harness: Harness): RegistryFront {
  const { peers } = harness
  const front = new RegistryFront(
    peers.addresses[HOSTS.faulty],
    FAULTY_BACKEND_PORT,
    peers.tls,
    peers.caFile,
    FAULTY_FRONT_ADDRESS
  )
  beforeAll(() => front.start())
  afterAll(() => front.stop())
  return front
}

/** Runs the job's post steps: each exits 0, and no login of ours is left in the docker config. */
export async function expectCleanAfterPost(job: Job): Promise<void> {
  for (const post of await job.finish()) expect(post.exitCode, job.log).toBe(0)
  expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([])
}
