// The real peers: moto_server (STS, ECR), one Distribution registry per ECR host (TLS with a CA
// made here, htpasswd with moto's password), one registry for every SDK host form of FORMS_ACCOUNT,
// one for ECR Public, tinyproxy, a docker daemon, and Node 24 for the bundle. AWS's own API host
// names (as the SDK resolves them) point at the AWS front's address in the suite's hosts file.
// Everything lives in one temp folder and every process is stopped at teardown.

import bcrypt from 'bcryptjs'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { connect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiHosts, registryForms, sdkPartitions } from './aws-hosts.js'
import { startDockerDaemon } from './docker-daemon.js'
import { nodeExecPath } from './node-releases.js'
import { freePort, type Peer, run, startPeer, stopPeer, waitUntil } from './processes.js'

/** The ECR hosts the suite serves, each by its own registry on its own loopback address. */
export const HOSTS = {
  /** moto's default account: the caller's default registry, and the OIDC role's account. */
  default: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  euA: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
  euB: '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
  usA: '111111111111.dkr.ecr.us-east-1.amazonaws.com',
  usB: '333333333333.dkr.ecr.us-east-1.amazonaws.com',
  /** Its registry expects another password than ECR hands out: the login is refused. */
  wrongPassword: '999999999999.dkr.ecr.eu-west-1.amazonaws.com',
  /** Its registry listens on FAULTY_BACKEND_PORT; a test's fault-injecting front takes [::1]:443. */
  faulty: '444444444444.dkr.ecr.eu-west-1.amazonaws.com'
} as const

export const FAULTY_BACKEND_PORT = 5443

/**
 * Where HOSTS.faulty resolves: the fault-injecting front's address. Not 127.0.0.0/8: docker (the
 * daemon and the CLI alike) deems registries there insecure, so it skips certificate checks and,
 * when https fails, retries over plain http, which hides the registry's real answer behind a
 * "connection refused" on port 80. On ::1 docker treats the registry as a real one would be.
 */
export const FAULTY_FRONT_ADDRESS = '::1'

/** One registry serves this account's host in every partition and variant the SDK resolves. */
export const FORMS_ACCOUNT = '555555555555'

/** ECR Public's registry hosts: its own and the dual-stack one. */
export const ECR_PUBLIC_HOSTS = ['public.ecr.aws', 'ecr-public.aws.com'] as const

/**
 * What the AWS front's ECR Public GetAuthorizationToken hands out (moto has no ECR Public): 3,096
 * bytes, longer than the 2,560 a Windows credential manager entry holds, as ECR Public's own are.
 */
export const ECR_PUBLIC_PASSWORD = `ecr-public-e2e-password.${'0123456789abcdef'.repeat(192)}`

/** A role in moto's default account: its default registry is HOSTS.default. */
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/gha-ecr-push'

/** Environment credentials as configure-aws-credentials leaves them; moto takes any. */
export const AMBIENT: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'AKIAE2EEXAMPLE000001',
  AWS_SECRET_ACCESS_KEY: 'e2e/Secret+Access/Key0000000000000000001',
  AWS_SESSION_TOKEN: 'e2e-session-token-FQoGZXIvYXdzEBYaD0000000001'
}

export interface PeersInfo {
  dir: string
  motoUrl: string
  caFile: string
  hostsFile: string
  node24: string
  /** host → loopback address of its registry */
  addresses: Record<string, string>
  /** The registries' certificate, for a test's own TLS front (it names every host of the suite). */
  tls: { cert: string; key: string }
  /** The loopback address where AWS's API host names resolve; the AWS front listens there on 443. */
  awsAddress: string
  /** AWS's API host names the suite resolves (ECR, ECR Public, STS), from the SDK's endpoint rules. */
  apiHosts: string[]
  /** DOCKER_HOST of the suite's docker daemon. */
  dockerHost: string
  proxy: { url: string; authUrl: string; user: string; password: string; logFile: string; authLogFile: string }
}

function accountOf(host: string): string {
  return host.slice(0, 12)
}

/** moto's password for an account, as its GetAuthorizationToken hands it out. */
export function motoPassword(host: string): string {
  return `${accountOf(host)}-auth-token`
}

// command → the Debian package that provides it
const SYSTEM_PACKAGES: Record<string, string> = {
  'docker-registry': 'docker-registry',
  tinyproxy: 'tinyproxy',
  dockerd: 'docker.io',
  openssl: 'openssl',
  podman: 'podman',
  buildah: 'buildah',
  skopeo: 'skopeo'
}

function ensureSystemPackages(): void {
  const missing = Object.keys(SYSTEM_PACKAGES).filter(command => {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
      return false
    } catch {
      return true
    }
  })
  if (missing.length === 0) return
  const packages = missing.map(command => SYSTEM_PACKAGES[command])
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The e2e suite needs ${missing.join(', ')}: run 'sudo apt-get install -y ${packages.join(' ')}' (or .ci/run).`
    )
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'ignore', env })
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env })
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'ignore', env })
  }
}

function checkPrerequisites(): void {
  for (const [command, args] of [
    ['docker', ['--version']],
    ['moto_server', ['--help']],
    ['openssl', ['version']],
    ['dockerd', ['--version']],
    ['unshare', ['-m', 'true']]
  ] as const) {
    try {
      execFileSync(command, args, { stdio: 'ignore' })
    } catch (error) {
      throw new Error(
        `The e2e suite needs '${command} ${args.join(' ')}' to work (${(error as Error).message}). ` +
          `unshare -m needs root; docker needs the CLI only.`
      )
    }
  }
  // docker.io puts an old CLI in /usr/bin: the steps must find the intended one first.
  const docker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  if (docker === '/usr/bin/docker') {
    throw new Error(
      "The e2e suite found docker.io's old CLI (/usr/bin/docker) first on PATH: put the Docker 28 CLI " +
        '(/usr/local/bin/docker) before /usr/bin in PATH.'
    )
  }
}

async function makeCertificates(
  dir: string,
  hosts: string[],
  addresses: string[]
): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.crt')
  const caKey = join(dir, 'ca.key')
  const cert = join(dir, 'registry.crt')
  const key = join(dir, 'registry.key')
  const csr = join(dir, 'registry.csr')
  const ext = join(dir, 'registry.ext')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=ecr-login e2e CA'
  ])
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    '/CN=ecr-login e2e registry'
  ])
  const names = [...hosts.map(host => `DNS:${host}`), ...addresses.map(address => `IP:${address}`)]
  writeFileSync(ext, `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`)
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext
  ])
  return { ca, cert, key }
}

function registryConfig(
  dir: string,
  address: string,
  port: number,
  tls: { cert: string; key: string },
  htpasswd: string
): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${address}:${port}`,
    '  secret: e2e-not-a-secret',
    '  tls:',
    `    certificate: ${tls.cert}`,
    `    key: ${tls.key}`,
    'auth:',
    '  htpasswd:',
    '    realm: ecr-login-e2e',
    `    path: ${htpasswd}`,
    ''
  ].join('\n')
}

function tlsReady(address: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: address, port, rejectUnauthorized: false }, () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

function tcpReady(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

function httpReady(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false
  )
}

function tinyproxyConfig(
  port: number,
  logFile: string,
  pidFile: string,
  auth?: { user: string; password: string }
): string {
  return [
    'User root',
    'Group root',
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    `PidFile "${pidFile}"`,
    'MaxClients 50',
    'Allow 127.0.0.1',
    'ConnectPort 443',
    'ConnectPort 80',
    'DisableViaHeader Yes',
    ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
    ''
  ].join('\n')
}

export interface RunningPeers {
  info: PeersInfo
  stop(): Promise<void>
}

/** Starts every peer; throws (naming the peer and its log) when one cannot start. */
export async function startPeers(): Promise<RunningPeers> {
  ensureSystemPackages()
  checkPrerequisites()
  const node24 = nodeExecPath('24')
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-e2e-'))
  const peers: Peer[] = []
  let stopDaemon = async (): Promise<void> => {}
  const stop = async (): Promise<void> => {
    await Promise.all([stopDaemon(), ...peers.map(peer => stopPeer(peer))])
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    // A random 127.x.y.0/24 per run, so that a second run (or a leftover) cannot collide.
    const net = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`
    const hosts = Object.values(HOSTS)
    const addresses = Object.fromEntries(hosts.map((host, index) => [host, `${net}.${index + 2}`]))
    const awsAddress = `${net}.1`
    const formsAddress = `${net}.200`
    const publicAddress = `${net}.201`
    const partitions = await sdkPartitions()
    const formHosts = [...new Set((await registryForms(FORMS_ACCOUNT)).map(form => form.host))]
    const awsHosts = apiHosts([...new Set(['eu-west-1', 'us-east-1', ...partitions.map(p => p.region)])])
    const registryHosts = [...hosts, ...formHosts, ...ECR_PUBLIC_HOSTS]
    const tls = await makeCertificates(
      dir,
      [...registryHosts, ...awsHosts],
      [...Object.values(addresses), awsAddress, formsAddress, publicAddress]
    )

    const motoPort = await freePort()
    const moto = startPeer(
      'moto_server',
      'moto_server',
      ['-H', '127.0.0.1', '-p', String(motoPort)],
      join(dir, 'moto.log')
    )
    peers.push(moto)

    // One registry per HOSTS entry; one for every host form of FORMS_ACCOUNT; one for ECR Public.
    const registries = [
      ...hosts.map(host => ({
        name: host,
        address: addresses[host],
        port: host === HOSTS.faulty ? FAULTY_BACKEND_PORT : 443,
        password: host === HOSTS.wrongPassword ? 'not-what-ecr-hands-out' : motoPassword(host)
      })),
      { name: 'host forms', address: formsAddress, port: 443, password: `${FORMS_ACCOUNT}-auth-token` },
      { name: 'ECR Public', address: publicAddress, port: 443, password: ECR_PUBLIC_PASSWORD }
    ]
    const registryPeers: { peer: Peer; address: string; port: number }[] = []
    for (const registry of registries) {
      const hostDir = join(dir, 'registries', registry.name.replace(/ /g, '-'))
      mkdirSync(hostDir, { recursive: true })
      const htpasswd = join(hostDir, 'htpasswd')
      writeFileSync(htpasswd, `AWS:${bcrypt.hashSync(registry.password, 4)}\n`)
      const config = join(hostDir, 'config.yml')
      writeFileSync(config, registryConfig(hostDir, registry.address, registry.port, tls, htpasswd))
      const peer = startPeer(
        `registry for ${registry.name}`,
        'docker-registry',
        ['serve', config],
        join(hostDir, 'registry.log')
      )
      peers.push(peer)
      registryPeers.push({ peer, address: registry.address, port: registry.port })
    }

    const hostsFile = join(dir, 'hosts')
    writeFileSync(
      hostsFile,
      [
        '127.0.0.1 localhost',
        '::1 localhost ip6-localhost',
        ...hosts.map(host => `${host === HOSTS.faulty ? FAULTY_FRONT_ADDRESS : addresses[host]} ${host}`),
        ...formHosts.map(host => `${formsAddress} ${host}`),
        ...ECR_PUBLIC_HOSTS.map(host => `${publicAddress} ${host}`),
        ...awsHosts.map(host => `${awsAddress} ${host}`),
        ''
      ].join('\n')
    )

    const proxyUser = 'e2e-proxy-user'
    const proxyPassword = `proxy-${Math.random().toString(36).slice(2)}-pw`
    const proxyPorts = [await freePort(), await freePort()]
    const proxyLogs = [join(dir, 'tinyproxy.log'), join(dir, 'tinyproxy-auth.log')]
    const proxyConfigs = [join(dir, 'tinyproxy.conf'), join(dir, 'tinyproxy-auth.conf')]
    writeFileSync(proxyConfigs[0], tinyproxyConfig(proxyPorts[0], proxyLogs[0], join(dir, 'tinyproxy.pid')))
    writeFileSync(
      proxyConfigs[1],
      tinyproxyConfig(proxyPorts[1], proxyLogs[1], join(dir, 'tinyproxy-auth.pid'), {
        user: proxyUser,
        password: proxyPassword
      })
    )
    const proxyPeers: Peer[] = []
    for (const [index, config] of proxyConfigs.entries()) {
      // In the suite's mount namespace: the proxy resolves the ECR hosts as docker does.
      const inNamespace = ['-m', '--', 'bash', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile]
      const command = [...inNamespace, 'tinyproxy', '-d', '-c', config]
      const peer = startPeer(`tinyproxy ${index}`, 'unshare', command, join(dir, `tinyproxy-${index}.out`))
      peers.push(peer)
      proxyPeers.push(peer)
    }

    const daemon = await startDockerDaemon(join(dir, 'dockerd'), hostsFile, tls.ca, registryHosts)
    stopDaemon = () => daemon.stop()

    const motoUrl = `http://127.0.0.1:${motoPort}`
    await waitUntil(moto, () => httpReady(motoUrl), 30_000)
    for (const { peer, address, port } of registryPeers) await waitUntil(peer, () => tlsReady(address, port))
    for (const [index, peer] of proxyPeers.entries()) await waitUntil(peer, () => tcpReady(proxyPorts[index]))

    return {
      info: {
        dir,
        motoUrl,
        caFile: tls.ca,
        hostsFile,
        node24,
        addresses,
        tls: { cert: tls.cert, key: tls.key },
        awsAddress,
        apiHosts: awsHosts,
        dockerHost: daemon.host,
        proxy: {
          url: `http://127.0.0.1:${proxyPorts[0]}`,
          authUrl: `http://${proxyUser}:${proxyPassword}@127.0.0.1:${proxyPorts[1]}`,
          user: proxyUser,
          password: proxyPassword,
          logFile: proxyLogs[0],
          authLogFile: proxyLogs[1]
        }
      },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
