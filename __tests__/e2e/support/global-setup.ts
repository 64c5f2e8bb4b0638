// Starts the real peers once for the whole e2e run and hands their addresses to the tests.
import type { TestProject } from 'vitest/node'
import { type PeersInfo, startPeers } from './peers.js'

declare module 'vitest' {
  export interface ProvidedContext {
    peers: PeersInfo
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now()
  const peers = await startPeers()
  process.stdout.write(`e2e peers ready in ${Date.now() - started} ms (${peers.info.dir})\n`)
  project.provide('peers', peers.info)
  return () => peers.stop()
}
