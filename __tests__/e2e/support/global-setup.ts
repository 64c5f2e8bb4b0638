// Starts the real peers once for the whole e2e run and hands their addresses to the tests.
import type { TestProject } from 'vitest/node'
import { type PeersInfo, startPeers } from './peers.js'
import { acquireRunLock } from './run-lock.js'

declare module 'vitest' {
  export interface ProvidedContext {
    peers: PeersInfo
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const release = await acquireRunLock()
  const started = Date.now()
  const peers = await startPeers().catch((error: unknown) => {
    release()
    throw error
  })
  process.stdout.write(`e2e peers ready in ${Date.now() - started} ms (${peers.info.dir})\n`)
  project.provide('peers', peers.info)
  return async () => {
    try {
      await peers.stop()
    } finally {
      release()
    }
  }
}
