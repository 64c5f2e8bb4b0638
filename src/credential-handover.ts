// What main hands the credential agent on its stdin pipe, one JSON line each: the start (where to
// listen, the job's key, what to watch, how to renew), then every login as main gets it. A pipe,
// because the agent's command line and environment are readable by other processes; JSON, so
// dates travel as ISO strings.

import type { AwsCredentials } from './aws-sdk.js'
import type { WebIdentitySettings } from './inputs.js'
import type { ProxyConfig } from './network.js'
import type { RegistryGroup } from './registries.js'

/** Everything a renewal needs to get new tokens the way main got them. */
export interface RenewalPlan {
  groups: RegistryGroup[]
  stsRegion: string
  /** With role-to-assume: the role, and the job's OIDC request (its bearer token is a job-scoped secret). */
  webIdentity?: { settings: WebIdentitySettings; request: { url: string; requestToken: string } }
  /** Else the credentials main found, reused until they are about to expire… */
  credentials?: Omit<AwsCredentials, 'expiration'> & { expiration?: string }
  /** …then the SDK's default chain runs again, with the AWS_* variables main saw. */
  awsEnv: Record<string, string>
  proxy: ProxyConfig
  retryMaxAttempts: number
  timeoutSeconds: number
}

/** The first line. */
export interface AgentStart {
  address: string
  key: string
  /** The agent's folder: it ends when the folder is gone. */
  dir: string
  /** The config naming the helper: the agent puts its entries back as it ends, whoever ends it. */
  configFile: string
  /** The runner process (main's parent): the agent ends when it is gone. */
  watchPid?: number
  maxLifetimeMs: number
  renewal?: RenewalPlan
}

/** A login as main got it, and what the config named for its host before the helper (null: none). */
export interface HandedLogin {
  host: string
  username: string
  password: string
  expiresAt?: string
  previousHelper: string | null
}

export type HandoverLine = { start: AgentStart } | { login: HandedLogin }
