import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { clientConfig, credentialChainConfig, maskCredentials } from '../src/aws-sdk.js'
import { callContext } from './fixtures/aws.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

beforeEach(() => core.resetCore())

describe('clientConfig', () => {
  it('turns the SDK retries off and gives every client the shared agents and timeouts', () => {
    const { context, dispose } = callContext()
    try {
      const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }
      expect(clientConfig(context.agents, 'eu-west-1', credentials)).toEqual({
        region: 'eu-west-1',
        credentials,
        maxAttempts: 1,
        customUserAgent: 'ecr-login-action',
        requestHandler: {
          httpAgent: context.agents.http,
          httpsAgent: context.agents.https,
          connectionTimeout: 5000,
          requestTimeout: 8000,
          throwOnRequestTimeout: true
        }
      })
      expect(clientConfig(context.agents, 'us-east-1').requestHandler.httpsAgent).toBe(context.agents.https)
      expect(clientConfig(context.agents, 'us-east-1').credentials).toBeUndefined()
    } finally {
      dispose()
    }
  })
})

describe('credentialChainConfig', () => {
  it("gives the chain's own clients the agents and timeouts, and no region that would override SSO's", () => {
    const { context, dispose } = callContext()
    try {
      const config = credentialChainConfig(context.agents, 'eu-west-1')
      expect(config.clientConfig).toEqual({
        maxAttempts: 1,
        customUserAgent: 'ecr-login-action',
        requestHandler: clientConfig(context.agents, 'eu-west-1').requestHandler
      })
      expect(config.clientConfig).not.toHaveProperty('region')
      expect(config.parentClientConfig).toEqual({ region: 'eu-west-1' })
      expect(config).toMatchObject({ timeout: 1000, maxRetries: 0 })
    } finally {
      dispose()
    }
  })
})

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
