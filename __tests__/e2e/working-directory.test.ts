// A `docker` or `podman` checked out into the workspace (the step's working directory) is never run
// (issue 16): on Windows, spawning a bare name searches the working directory before PATH, so the
// step must run what PATH names, by its absolute path. Linux never searches the working directory;
// these scenarios hold the shape the Windows fix must keep on every runner.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { containersEnv, pathWith } from './support/clients.js'
import { DOCKER_PATHS, HOSTS, REPO_ROOT, useHarness } from './support/harness.js'
import { decoy, type Recorder } from './support/recorders.js'
import type { Job } from './support/runner.js'

const h = useHarness()

/** A workspace holding decoy `docker` and `podman`, and where they record their runs. */
function decoyWorkspace(): { workspace: string; decoys: Record<'docker' | 'podman', Recorder> } {
  const dir = mkdtempSync(join(h.peers.dir, 'decoys-'))
  const workspace = join(dir, 'workspace')
  mkdirSync(workspace)
  const records = join(dir, 'records')
  return {
    workspace,
    decoys: { docker: decoy(workspace, 'docker', records), podman: decoy(workspace, 'podman', records) }
  }
}

/** The decoys record when run: the proof that "never run" above could have failed. */
async function expectDecoysRecord(job: Job, decoys: Record<string, Recorder>): Promise<void> {
  for (const [command, recorder] of Object.entries(decoys)) {
    const before = recorder.runs().length
    const run = await job.runShell(`./${command}`, `./${command} --version`)
    expect(run.exitCode, run.log).toBe(0)
    expect(recorder.runs().slice(before)).toEqual([{ argv: ['--version'], stdin: '' }])
  }
}

describe.each(DOCKER_PATHS)('a docker and a podman in the workspace ($name)', ({ daemon }) => {
  it('are never run: docker from PATH logs in, and out', async () => {
    const { workspace, decoys } = decoyWorkspace()
    const job = h.job({ ambient: true, daemon, workspace })

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euA })

    expect(main.exitCode, job.log).toBe(0)
    expect(decoys.docker.runs()).toEqual([])
    expect(Object.keys(job.dockerConfigJson().auths ?? {})).toEqual([HOSTS.euA])
    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    expect(post.log).toContain(`Logged out of ${HOSTS.euA}`)
    expect(job.dockerConfigJson().auths).toEqual({})
    expect(decoys.docker.runs()).toEqual([])
    expect(decoys.podman.runs()).toEqual([])
    await expectDecoysRecord(job, decoys)
  })
})

describe('a docker and a podman in the workspace, on a runner with podman and no docker', () => {
  it('are never run: podman from PATH logs in, and out', async () => {
    const { workspace, decoys } = decoyWorkspace()
    const job = h.job({ ambient: true, workspace })
    const env = {
      ...containersEnv(join(job.dir, 'containers')),
      PATH: pathWith(join(job.dir, 'bin'), ['unshare', 'bash', 'mount', 'podman'])
    }

    const main = await job.uses(REPO_ROOT, { registries: HOSTS.euB }, env)

    expect(main.exitCode, job.log).toBe(0)
    expect(decoys.docker.runs()).toEqual([])
    expect(decoys.podman.runs()).toEqual([])
    expect(main.log).toContain('docker is not on PATH: logging in with podman')
    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    expect(post.log).toContain(`Logged out of ${HOSTS.euB}`)
    expect(decoys.docker.runs()).toEqual([])
    expect(decoys.podman.runs()).toEqual([])
    await expectDecoysRecord(job, decoys)
  })
})
