// The e2e-aws workflow's last check (.github/actions/check-after-post/post.mjs) only runs on
// GitHub: here it is shown to pass on a clean machine and to fail on each leftover it looks for.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const POST = join(import.meta.dirname, '..', '.github', 'actions', 'check-after-post', 'post.mjs')
const root = mkdtempSync(join(tmpdir(), 'ecr-login-check-after-post-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let count = 0

/** A machine of its own: a home with a docker config.json, a PATH with only `bin`, a decoy record path. */
function machine(config: object) {
  const dir = join(root, String(++count))
  const home = join(dir, 'home')
  const bin = join(dir, 'bin')
  mkdirSync(join(home, '.docker'), { recursive: true })
  mkdirSync(bin)
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(config))
  const decoyRecord = join(dir, 'decoy-docker-ran.txt')
  const run = () =>
    spawnSync(process.execPath, [POST], {
      encoding: 'utf8',
      env: { HOME: home, USERPROFILE: home, PATH: bin, 'INPUT_DECOY-RECORD': decoyRecord }
    })
  return { home, bin, decoyRecord, run }
}

const USER_AUTHS = { auths: { 'ghcr.io': { auth: 'b2N0b2NhdDpub3QtYS10b2tlbg==' } } }

describe('check-after-post', () => {
  it('passes when no ECR login is left and the decoy never ran', () => {
    const result = machine(USER_AUTHS).run()
    expect(result.stdout).toContain('No ECR login is left behind.')
    expect(result.stdout).toContain('The decoy docker in the workspace never ran.')
    expect(result.status).toBe(0)
  })

  it.each(['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'public.ecr.aws', 'ecr-public.aws.com'])(
    'fails when config.json still holds %s',
    host => {
      const { home, run } = machine({ auths: { ...USER_AUTHS.auths, [host]: {} } })
      const result = run()
      expect(result.stdout).toContain(`::error::${join(home, '.docker', 'config.json')} still holds ${host}`)
      expect(result.status).toBe(1)
    }
  )

  it('fails when the decoy docker ran', () => {
    const { decoyRecord, run } = machine(USER_AUTHS)
    writeFileSync(decoyRecord, 'docker login --username AWS --password-stdin public.ecr.aws\n')
    const result = run()
    expect(result.stdout).toContain(
      '::error::the decoy docker in the workspace ran: docker login --username AWS --password-stdin public.ecr.aws'
    )
    expect(result.status).toBe(1)
  })

  it.skipIf(process.platform === 'win32')('fails when an OS store docker can use still holds ECR Public', () => {
    const { bin, run } = machine(USER_AUTHS)
    const helper = join(bin, 'docker-credential-osxkeychain')
    writeFileSync(helper, `#!/bin/sh\necho '{"https://public.ecr.aws":"AWS","https://ghcr.io":"octocat"}'\n`)
    chmodSync(helper, 0o755)
    const result = run()
    expect(result.stdout).toContain('::error::docker-credential-osxkeychain still holds https://public.ecr.aws')
    expect(result.status).toBe(1)
  })
})
