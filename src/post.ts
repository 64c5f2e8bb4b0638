// The post step: log out of what main logged in to. It warns and never fails the job.

import * as core from '@actions/core'
import { type RegistryClient, registryClient, releaseLoginTarget } from './clients.js'
import { messageOf } from './errors.js'
import { registriesToLogOut, savedLoginTarget } from './state.js'

async function logOut(client: RegistryClient): Promise<void> {
  const hosts = registriesToLogOut()
  if (hosts.length === 0) {
    core.debug('No registries to log out of.')
    return
  }
  // One at a time: concurrent logouts into one config.json lose updates.
  for (const host of hosts) {
    try {
      const problem = await client.logout(host)
      if (problem) core.warning(`Could not log out of ${host}: ${problem}`)
      else core.info(`Logged out of ${host}`)
    } catch (error) {
      core.warning(`Could not log out of ${host}: ${messageOf(error)}`)
    }
  }
}

export async function run(): Promise<void> {
  const target = savedLoginTarget()
  try {
    await logOut(registryClient(target, process.env))
  } finally {
    releaseLoginTarget(target)
  }
}
