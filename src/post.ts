// The post step: log out of what main logged in to. It warns and never fails the job, and it is
// bounded: each logout by 10 s (or less), the whole step by the main step's timeout-seconds; a
// logout given up on is killed with the credential helper it started.

import * as core from '@actions/core'
import { stopCredentialAgent } from './credential-stop.js'
import { errorShape, messageOf } from './errors.js'
import { logText } from './log-text.js'
import type { LoginTarget } from './registry-cli.js'
import { registryClient, releaseLoginTarget } from './registry-client.js'
import { logoutTimeoutSeconds, registriesToLogOut, savedCredentialAgent, savedLoginTarget } from './state.js'

// One logout takes well under a second; a credential helper waiting for a keyring never returns.
const LOGOUT_TIMEOUT_SECONDS = 10

async function logOut(target: LoginTarget): Promise<void> {
  const client = registryClient(target, process.env)
  const hosts = registriesToLogOut()
  if (hosts.length === 0) {
    core.debug('No registries to log out of.')
    return
  }
  const stepSeconds = logoutTimeoutSeconds()
  const step = AbortSignal.timeout(stepSeconds * 1000)
  const eachSeconds = Math.min(stepSeconds, LOGOUT_TIMEOUT_SECONDS)
  // One at a time: concurrent logouts into one config.json lose updates.
  for (const [index, host] of hosts.entries()) {
    if (step.aborted) {
      core.warning(`Gave up logging out after ${stepSeconds} s; still logged in to ${hosts.slice(index).join(', ')}.`)
      return
    }
    try {
      const problem = await client.logout(host, AbortSignal.any([step, AbortSignal.timeout(eachSeconds * 1000)]))
      if (problem) core.warning(`Could not log out of ${host}: ${problem}`)
      else core.info(`Logged out of ${host}`)
    } catch (error) {
      const reason =
        errorShape(error).name === 'TimeoutError'
          ? `${target.client} logout gave no answer within ${eachSeconds} s and was stopped (a credential helper may be waiting for a keyring or a prompt)`
          : logText(messageOf(error))
      core.warning(`Could not log out of ${host}: ${reason}`)
    }
  }
}

export async function run(): Promise<void> {
  const target = savedLoginTarget()
  const agent = savedCredentialAgent()
  try {
    // credential-helper: no password is in the config to log out of; its entries go, then the agent.
    if (agent) await stopCredentialAgent(agent)
    else await logOut(target)
  } finally {
    releaseLoginTarget(target)
  }
}
