import { describe, expect, it } from 'vitest'
import { clientConfig, credentialChainConfig } from '../src/aws-client.js'
import { callContext } from './fixtures/aws.js'

describe('clientConfig', () => {
  it('turns the SDK retries off and gives every client the shared agents and timeouts', () => {
    const { context, dispose } = callContext()
    try {
      const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }
      expect(clientConfig(context, 'eu-west-1', credentials)).toEqual({
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
      expect(clientConfig(context, 'us-east-1').requestHandler.httpsAgent).toBe(context.agents.https)
      expect(clientConfig(context, 'us-east-1').credentials).toBeUndefined()
    } finally {
      dispose()
    }
  })
})

describe('credentialChainConfig', () => {
  it("gives the chain's own clients the agents and timeouts, and no region that would override SSO's", () => {
    const { context, dispose } = callContext()
    try {
      const config = credentialChainConfig(context, 'eu-west-1')
      expect(config.clientConfig).toEqual({
        maxAttempts: 1,
        customUserAgent: 'ecr-login-action',
        requestHandler: clientConfig(context, 'eu-west-1').requestHandler
      })
      expect(config.clientConfig).not.toHaveProperty('region')
      expect(config.parentClientConfig).toEqual({ region: 'eu-west-1' })
      expect(config).toMatchObject({ timeout: 1000, maxRetries: 0 })
    } finally {
      dispose()
    }
  })
})
