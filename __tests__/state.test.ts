import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import {
  DEFAULT_LOGOUT_TIMEOUT_SECONDS,
  logoutTimeoutSeconds,
  registriesToLogOut,
  saveLoginTarget,
  savedLoginTarget,
  saveCredentialAgent,
  savedCredentialAgent,
  saveLogoutTimeout,
  saveRegistriesToLogOut
} from '../src/state.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

const HOST_A = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const HOST_B = 'public.ecr.aws'

beforeEach(() => core.resetCore())

describe('saveRegistriesToLogOut', () => {
  it('saves the hosts as a JSON list under one key', () => {
    saveRegistriesToLogOut([HOST_A, HOST_B])
    expect(core.saveState).toHaveBeenCalledExactlyOnceWith('registries', JSON.stringify([HOST_A, HOST_B]))
  })

  it('overwrites what it saved before, so the last list wins', () => {
    saveRegistriesToLogOut([HOST_A])
    saveRegistriesToLogOut([HOST_A, HOST_B])
    expect(registriesToLogOut()).toEqual([HOST_A, HOST_B])
  })
})

describe('registriesToLogOut', () => {
  it('reads back what main saved', () => {
    saveRegistriesToLogOut([HOST_B, HOST_A])
    expect(registriesToLogOut()).toEqual([HOST_B, HOST_A])
    expect(core.getState).toHaveBeenCalledWith('registries')
  })

  it('is empty when main saved nothing', () => {
    expect(registriesToLogOut()).toEqual([])
  })

  it('is empty for an empty list', () => {
    core.presetState('registries', '[]')
    expect(registriesToLogOut()).toEqual([])
  })

  it('drops entries that are not host names', () => {
    core.presetState('registries', JSON.stringify([HOST_A, '', 42, null, HOST_B]))
    expect(registriesToLogOut()).toEqual([HOST_A, HOST_B])
  })

  it.each([
    '{}',
    '{"registries":["123456789012.dkr.ecr.eu-west-1.amazonaws.com"]}',
    '{"0":"public.ecr.aws","length":1}'
  ])('reads JSON that is not a list, %s, as no hosts', saved => {
    core.presetState('registries', saved)
    expect(registriesToLogOut()).toEqual([])
  })

  it.each(['[', `["${HOST_A}"`, `[${HOST_A}, ${HOST_B}]`, '[]]', "['public.ecr.aws']"])(
    'reads invalid JSON that starts with [, %s, as no hosts',
    saved => {
      core.presetState('registries', saved)
      expect(registriesToLogOut()).toEqual([])
    }
  )

  it('reads nothing from a value our main step never writes', () => {
    core.presetState('registries', `${HOST_A},${HOST_B}`)
    expect(registriesToLogOut()).toEqual([])
  })

  it('hands the logout bound to the post step, with a default when main saved none', () => {
    expect(logoutTimeoutSeconds()).toBe(DEFAULT_LOGOUT_TIMEOUT_SECONDS)
    saveLogoutTimeout(7)
    expect(logoutTimeoutSeconds()).toBe(7)
  })
})

describe('the login target', () => {
  it.each([
    [{ client: 'docker', dockerConfig: '/tmp/ecr-login-x', jobDir: '/tmp/ecr-login-x' }],
    [{ client: 'podman', authFile: '/run/user/1001/containers/auth.json' }]
  ] as const)('reads back what main saved: %j', target => {
    saveLoginTarget(target)
    expect(savedLoginTarget()).toEqual({ dockerConfig: undefined, authFile: undefined, jobDir: undefined, ...target })
  })

  it('keeps only the fields that are non-empty strings', () => {
    core.presetState('login-target', JSON.stringify({ client: 'docker', dockerConfig: 42, authFile: '', jobDir: {} }))
    expect(savedLoginTarget()).toEqual({ client: 'docker' })
  })

  it.each([
    ['nothing', undefined],
    ['not JSON', '{oops'],
    ['an unknown client', '{"client":"nerdctl","jobDir":""}']
  ])('is plain docker into the user’s config with %s saved', (_label, saved) => {
    if (saved !== undefined) core.presetState('login-target', saved)
    const target = savedLoginTarget()
    expect(target.client).toBe('docker')
    expect(target.jobDir).toBeUndefined()
  })
})

describe('the credential agent', () => {
  it('reads back what main saved, and nothing when main started none', () => {
    expect(savedCredentialAgent()).toBeUndefined()
    const state = {
      dir: '/t/ecr-login-agent-x',
      file: '/home/runner/.docker/config.json',
      previous: { [HOST_A]: null }
    }
    saveCredentialAgent(state)
    expect(savedCredentialAgent()).toEqual(state)
  })

  it.each(['{', '[]', '{"dir":1,"file":"/c"}', '{"dir":"/t"}'])('reads %j as no agent', saved => {
    core.presetState('credential-agent', saved)
    expect(savedCredentialAgent()).toBeUndefined()
  })

  it('reads entries that are not an object as none', () => {
    core.presetState('credential-agent', '{"dir":"/t","file":"/c","previous":"x"}')
    expect(savedCredentialAgent()).toEqual({ dir: '/t', file: '/c', previous: {} })
  })
})
