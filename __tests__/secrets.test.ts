import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { maskCredentials, maskProxyCredentials, proxyValueSecrets } from '../src/secrets.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

beforeEach(() => core.resetCore())

describe('maskCredentials', () => {
  it('masks the secret key and the session token, not the access key ID', () => {
    maskCredentials({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret-key', sessionToken: 'session-token' })
    expect(core.secrets()).toEqual(['secret-key', 'session-token'])
  })

  it('masks only the secret key of long-term credentials', () => {
    maskCredentials({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key' })
    expect(core.secrets()).toEqual(['secret-key'])
  })
})

describe('proxyValueSecrets', () => {
  it.each([
    ['http://user:s3cret@proxy:3128', ['user:s3cret', 's3cret']],
    ['http://user:p%40ss%20word@proxy:3128', ['user:p%40ss%20word', 'user:p@ss word', 'p%40ss%20word', 'p@ss word']],
    ['http://user:p@ss@proxy:3128', ['user:p%40ss', 'user:p@ss', 'p%40ss', 'p@ss']],
    ['http://user:100%@proxy:3128', ['user:100%', '100%']],
    ['http://ci:s3cret@proxy.internal:99999', ['ci:s3cret', 's3cret']],
    ['ci:s3cret@proxy.internal:3128', ['ci:s3cret', 's3cret']],
    ['http:/ci:s3cret@proxy', ['ci:s3cret', 's3cret']],
    ['http://token-only@proxy:3128', ['token-only']]
  ])('finds the user info of %s, parseable or not', (value, secrets) => {
    expect(new Set(proxyValueSecrets(value))).toEqual(new Set(secrets))
  })

  it.each(['http://proxy:3128', 'proxy:3128', ''])('finds nothing in %j', value => {
    expect(proxyValueSecrets(value)).toEqual([])
  })
})

describe('maskProxyCredentials', () => {
  it('masks the input and every proxy variable, the longest secret first', () => {
    maskProxyCredentials('http://a:input-pw@p:1', {
      HTTPS_PROXY: 'http://b:https-pw@p:99999',
      http_proxy: 'c:lower-pw@p',
      ALL_PROXY: 'socks5://d:all-pw@p',
      NO_PROXY: 'x:not-a-secret@y'
    })
    const masked = core.secrets()
    for (const secret of ['input-pw', 'https-pw', 'lower-pw', 'all-pw']) expect(masked).toContain(secret)
    expect(masked.join(' ')).not.toContain('not-a-secret')
  })
})
