// A property of the whole main step (src/main.ts run(), with a fake ECR, registry and docker): whatever the
// proxy URL, parseable or not, its password (or a token given as the user name alone) is in no log
// line, output, state or error, in any encoding.
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import * as exec from './fixtures/process.js'
import { resetChecks } from './fixtures/registry.js'
import { run } from '../src/main.js'
import { ACCOUNT, ecrToken, stubEnvCredentials } from './fixtures/aws.js'
import { leakIn } from './fixtures/log-lines.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))
vi.mock('../src/process.js', () => import('./fixtures/process.js'))
vi.mock('../src/registry-check.js', () => import('./fixtures/registry.js'))

const ecr = mockClient(ECRClient)
const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`

let docker: ReturnType<typeof exec.makeDockerDir>
// The docker config the logins are kept in.
let dockerDir: string
beforeAll(() => {
  docker = exec.makeDockerDir()
  dockerDir = mkdtempSync(join(tmpdir(), 'ecr-login-proxy-secrets-'))
})
afterAll(() => {
  docker.remove()
  rmSync(dockerDir, { recursive: true, force: true })
  vi.unstubAllEnvs()
})

const SPECIAL = [..."@:/%#?[] \t\n\\!$&'()*+,;=~"]
const passwordChar = fc.oneof(
  fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  fc.constantFrom(...SPECIAL),
  fc.constantFrom('é', 'ß', '密', '🔑')
)
// Long enough, and with a letter or digit, that finding it in a line means it leaked.
const password = fc
  .string({ unit: passwordChar, minLength: 8, maxLength: 24 })
  .filter(text => /[a-z0-9].*[a-z0-9].*[a-z0-9]/i.test(text) && text.trim() === text)
const proxyUrl = fc
  .record({
    scheme: fc.constantFrom('http://', 'https://', 'HTTP://', '', 'http:/', 'socks5://', 'ftp://'),
    // Absent: the secret is a token given as the user name alone.
    user: fc.option(fc.stringMatching(/^[a-z][a-z0-9._-]{0,7}$/), { nil: undefined }),
    password,
    host: fc.constantFrom('proxy.internal', '[bad', 'proxy internal', 'pr@xy', '', '10.0.0.1', '[::1'),
    port: fc.constantFrom('', ':3128', ':99999', ':abc', ':-1', ':'),
    tail: fc.constantFrom('', '/', '/x?y#z', '#frag')
  })
  .map(parts => ({
    ...parts,
    url: `${parts.scheme}${parts.user === undefined ? '' : `${parts.user}:`}${parts.password}@${parts.host}${parts.port}${parts.tail}`
  }))

describe('main: a proxy password never leaks', () => {
  it('is in no log line, output, state or error, for any proxy URL with user info (input or HTTPS_PROXY)', async () => {
    await fc.assert(
      fc.asyncProperty(proxyUrl, fc.boolean(), async ({ url, password: secret }, viaInput) => {
        core.resetCore()
        exec.resetExec()
        resetChecks()
        ecr.reset()
        vi.unstubAllEnvs()
        stubEnvCredentials()
        vi.stubEnv('PATH', docker.dir)
        vi.stubEnv('DOCKER_CONFIG', dockerDir)
        vi.stubEnv('https_proxy', undefined)
        vi.stubEnv('HTTPS_PROXY', viaInput ? undefined : url)
        vi.stubEnv('http_proxy', undefined)
        vi.stubEnv('HTTP_PROXY', undefined)
        vi.stubEnv('NO_PROXY', undefined)
        vi.stubEnv('no_proxy', undefined)
        vi.stubEnv('INPUT_REGISTRIES', HOST)
        vi.stubEnv('INPUT_HTTP-PROXY', viaInput ? url : '')
        ecr
          .on(GetAuthorizationTokenCommand)
          .resolves({ authorizationData: [{ authorizationToken: ecrToken(), proxyEndpoint: `https://${HOST}` }] })

        await run()

        const said = [
          ...core.printed(),
          ...core.setOutput.mock.calls.map(call => JSON.stringify(call)),
          ...core.saveState.mock.calls.map(call => JSON.stringify(call))
        ]
        // In no form: raw, percent-encoded (as the URL parser writes user info), base64, escaped.
        for (const line of said) expect(leakIn(line, { secret }), `proxy URL ${JSON.stringify(url)}`).toBeUndefined()
        // Masked before anything was printed.
        const firstPrinted = core.timeline.findIndex(event => event.what !== 'setSecret' && event.what !== 'saveState')
        const masks = core.timeline.slice(0, firstPrinted === -1 ? undefined : firstPrinted)
        expect(masks.map(event => String(event.args[0])).join('\n')).toContain(secret.split(/[\r\n\t]/)[0])
      }),
      { seed: 20261129, numRuns: 150 }
    )
  })
})
