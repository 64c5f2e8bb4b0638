// The Node releases a runner may run a `node24` action with, as binaries of the npm package `node`
// (fetched once by npx into its cache): steps run on one with the harness's `nodeVersion` option.

import { execFileSync } from 'node:child_process'

export interface NodeRelease {
  /** What `npx node@<version>` resolves: a point release, or `24` for the newest. */
  version: string
  /** For test names. */
  label: string
  /** Whether an http.Agent honours `proxyEnv` (Node >= 24.5). */
  agentProxyEnv: boolean
}

/**
 * The oldest Node 24 a runner ships (the first runner release to run node24 actions, July 2025;
 * runners that never update, and GitHub Enterprise Server, still run it) and the newest.
 */
export const NODE_24_RELEASES: readonly NodeRelease[] = [
  { version: '24.4.0', label: 'Node 24.4.0, the oldest a runner ships', agentProxyEnv: false },
  { version: '24', label: 'the newest Node 24', agentProxyEnv: true }
]

const paths = new Map<string, string>()

/** The path of a Node binary of `version`: downloaded by npx on first use, then from its cache. */
export function nodeExecPath(version: string): string {
  let path = paths.get(version)
  if (!path) {
    const output = execFileSync('npx', ['-y', `node@${version}`, '-p', 'process.execPath'], { encoding: 'utf8' })
    // npx may print notices before the answer: the path is the last line.
    path = output.trim().split('\n').pop()!
    paths.set(version, path)
  }
  return path
}
