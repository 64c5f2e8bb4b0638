import { describe, expect, it } from 'vitest'
import { noClientHelp } from '../src/registry-cli.js'

describe('noClientHelp', () => {
  it.each([
    ['linux', 'GitHub-hosted Ubuntu runners have it'],
    ['darwin', "GitHub's macOS runners come without Docker"],
    ['win32', 'install Docker (docker.exe)']
  ] as const)('on %s says how to get docker there', (platform, advice) => {
    const help = noClientHelp(platform)
    expect(help).toMatch(/^docker is not on PATH, and neither is podman\./)
    expect(help).toContain(advice)
  })
})
