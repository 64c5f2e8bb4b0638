// Secrets, as a workflow log and the process table would show them: never.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HOSTS, REPO_ROOT, motoPassword, useHarness } from './support/harness.js'
import { NODE_24_RELEASES } from './support/node-releases.js'
import { commandShim } from './support/recorders.js'
import { foreignCommand, leakIn } from '../fixtures/log-lines.js'

const h = useHarness()

function tagValue(xml: string, tag: string): string {
  const value = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1]
  if (!value) throw new Error(`no <${tag}> in STS answer`)
  return value
}

describe('secrets', () => {
  it('never shows a password, token, STS secret or OIDC token in the masked log, and AWS stays readable', async () => {
    const job = h.job({ oidc: true })
    const stsBefore = h.aws.stsAnswers.length
    const main = await job.uses(REPO_ROOT, {
      'role-to-assume': 'arn:aws:iam::123456789012:role/gha-ecr-push',
      'aws-region': 'eu-west-1',
      registries: [HOSTS.default, HOSTS.euA, HOSTS.usB].join(',')
    })
    expect(main.exitCode, job.log).toBe(0)
    await job.finish()

    const sts = h.aws.stsAnswers.slice(stsBefore)
    expect(sts).toHaveLength(1)
    const secrets = {
      stsSecretAccessKey: tagValue(sts[0], 'SecretAccessKey'),
      stsSessionToken: tagValue(sts[0], 'SessionToken'),
      oidcToken: h.oidc.issued.at(-1)!,
      oidcRequestToken: h.oidc.requestToken,
      ...Object.fromEntries(
        [HOSTS.default, HOSTS.euA, HOSTS.usB].flatMap(host => [
          [`password ${host}`, motoPassword(host)],
          [`token ${host}`, Buffer.from(`AWS:${motoPassword(host)}`).toString('base64')]
        ])
      )
    }
    for (const [name, secret] of Object.entries(secrets)) {
      expect(job.log, `${name} leaked`).not.toContain(secret)
    }
    expect(job.log, job.log).toContain('as AWS')
    expect(job.log).toContain('##[debug]')
    expect([...job.masks]).not.toContain('AWS')
  })

  it('never puts the password in a process argv: no process logs in, docker runs only to log out', async () => {
    const job = h.job({ ambient: true })
    const shim = commandShim(job.dir, 'docker')
    const main = await job.uses(
      REPO_ROOT,
      { registries: [HOSTS.euA, HOSTS.euB].join(',') },
      {
        PATH: `${shim.bin}:${process.env.PATH}`
      }
    )
    expect(main.exitCode, job.log).toBe(0)
    // The step checked the passwords over its own connections and wrote them as docker would.
    expect(shim.runs()).toEqual([])
    expect(Object.keys(job.dockerConfigJson().auths ?? {}).sort()).toEqual([HOSTS.euA, HOSTS.euB].sort())
    await job.finish()

    expect(shim.runs()).toEqual([
      { argv: ['logout', HOSTS.euA], stdin: '' },
      { argv: ['logout', HOSTS.euB], stdin: '' }
    ])
  })
})

// The oldest Node 24 a runner ships, 24.11 (which quotes a whole proxy URL in its own errors), the newest.
const [oldest, newest] = NODE_24_RELEASES.map(release => release.version)
const NODES = [oldest, '24.11.1', newest]

/** The step's raw output as the runner reads it, line by line (it splits at \r too). */
function rawLines(step: { stdout: string; stderr: string }): string[] {
  return `${step.stdout}\n${step.stderr}`.split(/\r\n|\r|\n/)
}

describe('runner commands in an input, on the oldest and newest Node 24', () => {
  it.each(NODES)(
    'node@%s: an audience with a line break and ::stop-commands:: is refused; no line after it is a command',
    async version => {
      const job = h.job({ oidc: true, nodeVersion: version })
      const main = await job.uses(REPO_ROOT, {
        registries: HOSTS.euA,
        'role-to-assume': 'arn:aws:iam::123456789012:role/gha-ecr-push',
        audience: 'sts.amazonaws.com\n::stop-commands::pwn'
      })
      expect(main.exitCode, job.log).toBe(1)
      expect(main.log).toContain(
        'Error: audience: the value holds a control character (\\n at character 18). Give it on one line'
      )
      const [post] = await job.finish()
      expect(post.exitCode, job.log).toBe(0)
      for (const step of [main, post]) {
        for (const line of rawLines(step)) expect(foreignCommand(line), JSON.stringify(line)).toBeUndefined()
      }
      expect(job.log).not.toContain('pwn')
    }
  )
})

describe('a proxy token given as the user name alone, on the oldest and newest Node 24', () => {
  const TOKEN = 'dG9rZW4+c2VjcmV0LWUyZQ=='
  it.each(NODES)('node@%s: logs in through the proxy; the token is on no line in any form', async version => {
    const proxy = new URL(h.peers.proxy.url)
    const job = h.job({ ambient: true, nodeVersion: version })
    const logged = readFileSync(h.peers.proxy.logFile, 'utf8').length
    const main = await job.uses(REPO_ROOT, {
      registries: HOSTS.euA,
      'http-proxy': `http://${TOKEN}@${proxy.host}`
    })
    expect(main.exitCode, job.log).toBe(0)
    expect(readFileSync(h.peers.proxy.logFile, 'utf8').slice(logged)).toContain(
      'CONNECT api.ecr.eu-west-1.amazonaws.com:443'
    )
    expect(main.log).toContain(`Using proxy http://***@${proxy.host} (from http-proxy)`)
    const [post] = await job.finish()
    expect(post.exitCode, job.log).toBe(0)
    for (const step of [main, post]) {
      for (const line of rawLines(step)) {
        expect(foreignCommand(line), JSON.stringify(line)).toBeUndefined()
        if (!line.startsWith('::add-mask::')) expect(leakIn(line, { TOKEN }), JSON.stringify(line)).toBeUndefined()
      }
    }
    expect(leakIn(job.log, { TOKEN })).toBeUndefined()
    expect(leakIn(JSON.stringify([main.outputs, main.state, main.exportedEnv]), { TOKEN })).toBeUndefined()
    // Masked as written and as the URL parser writes it (`=` percent-encoded).
    expect(job.masks).toContain(TOKEN)
    expect(job.masks).toContain(TOKEN.replace(/=/g, '%3D'))
  })
})

describe('a proxy URL that cannot be parsed, on the oldest and newest Node 24', () => {
  // Node 24.11 prints `Invalid proxy URL: <the whole URL>` in its own error; later releases redact.
  const PASSWORD = 's3cret-Pr0xy-pw'
  it.each(NODES)(
    'node@%s: the password is in no log line, output or state, and the error names the input',
    async version => {
      const job = h.job({ ambient: true, nodeVersion: version })
      const main = await job.uses(REPO_ROOT, {
        registries: HOSTS.euA,
        'http-proxy': `http://ci:${PASSWORD}@proxy.internal:99999`
      })
      expect(main.exitCode).toBe(1)
      expect(main.log).toContain("Error: http-proxy: 'http://***@proxy.internal:99999' is not a proxy URL")
      const raw = `${main.stdout}\n${main.stderr}`.split('\n').filter(line => !line.startsWith('::add-mask::'))
      for (const line of raw) expect(line).not.toContain(PASSWORD)
      expect(job.log).not.toContain(PASSWORD)
      expect(JSON.stringify([main.outputs, main.state, main.exportedEnv])).not.toContain(PASSWORD)
      expect(job.masks).toContain(PASSWORD)
      await job.finish()
    }
  )
})
