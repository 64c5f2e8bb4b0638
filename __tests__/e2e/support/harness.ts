// Per-file set-up for scenarios: the AWS front (counts calls, injects faults) and the OIDC
// endpoint run in the test process; jobs get the environment that points the action at them.
import { afterAll, beforeAll, inject } from 'vitest'
import { AwsFront } from './aws-front.js'
import { OidcServer } from './oidc-server.js'
import { type Env, Job, type JobOptions, REPO_ROOT } from './runner.js'
import type { PeersInfo } from './peers.js'

export { HOSTS, motoPassword } from './peers.js'
export { REPO_ROOT }

export interface Harness {
  peers: PeersInfo
  aws: AwsFront
  oidc: OidcServer
  /** A job whose steps reach moto through the front; `oidc: true` adds the runner's OIDC variables. */
  job(options?: JobOptions & { oidc?: boolean; ambient?: boolean }): Job
}

/** Environment credentials as configure-aws-credentials leaves them. */
export const AMBIENT: Env = {
  AWS_ACCESS_KEY_ID: 'AKIAE2EEXAMPLE000001',
  AWS_SECRET_ACCESS_KEY: 'e2e/Secret+Access/Key0000000000000000001',
  AWS_SESSION_TOKEN: 'e2e-session-token-FQoGZXIvYXdzEBYaD0000000001'
}

export function useHarness(): Harness {
  const peers = inject('peers')
  const harness = { peers } as Harness
  beforeAll(async () => {
    harness.aws = new AwsFront(peers.motoUrl)
    harness.oidc = new OidcServer()
    await Promise.all([harness.aws.start(), harness.oidc.start()])
  })
  afterAll(async () => {
    await Promise.all([harness.aws?.stop(), harness.oidc?.stop()])
  })
  harness.job = (options = {}) =>
    new Job(peers, {
      ...options,
      env: {
        AWS_ENDPOINT_URL_STS: harness.aws.url,
        AWS_ENDPOINT_URL_ECR: harness.aws.url,
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
