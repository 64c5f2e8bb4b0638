// A docker daemon of the suite's own, as every GitHub-hosted Linux runner has one: Debian's dockerd
// in a private mount namespace (the suite's /etc/hosts, and an /etc/docker of its own whose
// certs.d trusts the suite's CA for every registry host), on its own socket, data and exec roots,
// with no networking of its own (logins need none). The CLI stays /usr/local/bin/docker; only
// DOCKER_HOST points at this daemon.
//
// dockerd treats registries on 127.0.0.0/8 as insecure (hard-coded in moby): for those it skips
// certificate checks and falls back to http. HOSTS.faulty resolves to ::1 instead, where the
// daemon checks its certificate against certs.d and reports the registry's real answers.

import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { type Peer, startPeer, stopPeer, waitUntil } from './processes.js'

export interface DockerDaemon {
  /** For DOCKER_HOST. */
  host: string
  peer: Peer
  stop(): Promise<void>
}

function pinged(socketPath: string): Promise<boolean> {
  return new Promise(resolve => {
    const ping = request({ socketPath, path: '/_ping', timeout: 1000 }, answer => {
      answer.resume()
      resolve(answer.statusCode === 200)
    })
    ping.on('error', () => resolve(false))
    ping.on('timeout', () => ping.destroy())
    ping.end()
  })
}

/** The processes whose command line names `dir` (dockerd's containerd, if dockerd left it behind). */
function processesUnder(dir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', dir], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter(pid => pid !== process.pid)
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

/** Starts dockerd with everything of its own under `dir` (a folder only it uses). */
export async function startDockerDaemon(
  dir: string,
  hostsFile: string,
  caFile: string,
  registryHosts: readonly string[]
): Promise<DockerDaemon> {
  mkdirSync(dir, { recursive: true })
  const etcDocker = join(dir, 'etc-docker')
  for (const host of registryHosts) {
    mkdirSync(join(etcDocker, 'certs.d', host), { recursive: true })
    copyFileSync(caFile, join(etcDocker, 'certs.d', host, 'ca.crt'))
  }
  const socket = join(dir, 'docker.sock')
  const dockerd = [
    'dockerd',
    `--host=unix://${socket}`,
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${join(dir, 'dockerd.pid')}`,
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--storage-driver=vfs'
  ]
  // The daemon reaches registries with its own proxy settings: it gets none from the suite.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(https?|no|all)_proxy$/i.test(name))
  ) as Record<string, string>
  // /etc/docker exists wherever docker-registry is installed (its config lives there); the bind
  // mount hides the machine's daemon.json and certs.d from this daemon.
  const inNamespace = [
    '-m',
    '--',
    'bash',
    '-c',
    'mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/docker && shift && exec "$@"',
    hostsFile,
    etcDocker
  ]
  const peer = startPeer('dockerd', 'unshare', [...inNamespace, ...dockerd], join(dir, 'dockerd.log'), { env })
  const stop = async (): Promise<void> => {
    // dockerd stops its containerd on SIGTERM; give it time, then make sure nothing is left.
    await stopPeer(peer, 15_000)
    const leftovers = processesUnder(dir)
    if (leftovers.length > 0)
      process.stderr.write(`dockerd left processes behind (${leftovers.join(', ')}): killing them\n`)
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  try {
    await waitUntil(peer, () => pinged(socket), 30_000)
  } catch (error) {
    await stop()
    throw error
  }
  return { host: `unix://${socket}`, peer, stop }
}
