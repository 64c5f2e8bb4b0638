// The step's outputs, named as amazon-ecr-login names them so that it is a drop-in.

import * as core from '@actions/core'

/** What the outputs say of one login (aws-ecr.ts's RegistryLogin has this shape). */
interface LoginOutput {
  host: string
  username: string
  password: string
  expiresAt?: Date
}

/** `docker_password_123456789012_dkr_ecr_eu_west_1_amazonaws_com` for a host. */
export function credentialOutputName(kind: 'username' | 'password', host: string): string {
  return `docker_${kind}_${host.replace(/[^a-zA-Z0-9_]+/g, '_')}`
}

export function earliestExpiry(logins: readonly LoginOutput[]): Date | undefined {
  const times = logins.flatMap(login => (login.expiresAt ? [login.expiresAt.getTime()] : []))
  return times.length > 0 ? new Date(Math.min(...times)) : undefined
}

/** @param passwords false with credential-helper: an output is written to the runner's files. */
export function setLoginOutputs(logins: readonly LoginOutput[], passwords = true): void {
  if (logins.length === 1) core.setOutput('registry', logins[0].host)
  core.setOutput('registries', logins.map(login => login.host).join(','))
  for (const login of logins) {
    core.setOutput(credentialOutputName('username', login.host), login.username)
    if (passwords) core.setOutput(credentialOutputName('password', login.host), login.password)
  }
  if (!passwords && logins.length > 0) {
    core.info('credential-helper: the docker_password_* outputs are not set; the passwords stay in the agent.')
  }
  const expiry = earliestExpiry(logins)
  if (expiry) core.setOutput('expires-at', expiry.toISOString())
}
