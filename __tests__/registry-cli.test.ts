import { describe, expect, it } from 'vitest'
import { noClientHelp, REFUSED_OUTPUT, TRANSIENT_OUTPUT } from '../src/registry-cli.js'

describe('noClientHelp', () => {
  it.each([
    ['linux', 'GitHub-hosted Ubuntu runners have it'],
    ['darwin', '(`brew install docker`); logging in needs no daemon'],
    ['win32', 'install Docker (docker.exe)']
  ] as const)('on %s says how to get docker there', (platform, advice) => {
    const help = noClientHelp(platform)
    expect(help).toMatch(/^docker is not on PATH, and neither is podman\./)
    expect(help).toContain(advice)
  })
})

describe('TRANSIENT_OUTPUT', () => {
  // As Go's net package words them on each OS (Windows quotes the system's message).
  it.each([
    'dial tcp 52.94.0.1:443: connect: connection refused',
    'read tcp 10.1.0.4:50312->52.94.0.1:443: read: connection reset by peer',
    'dial tcp 52.94.0.1:443: connectex: No connection could be made because the target machine actively refused it.',
    'read tcp 10.1.0.4:50312->52.94.0.1:443: wsarecv: An existing connection was forcibly closed by the remote host.',
    'write tcp 10.1.0.4:50312->52.94.0.1:443: wsasend: An existing connection was forcibly closed by the remote host.',
    'read tcp 10.1.0.4:50312->52.94.0.1:443: wsarecv: An established connection was aborted by the software in your host machine.',
    'dial tcp 52.94.0.1:443: connectex: A connection attempt failed because the connected party did not properly ' +
      'respond after a period of time, or established connection failed because connected host has failed to respond.',
    'dial tcp: lookup api.ecr.eu-west-1.amazonaws.com: This is usually a temporary error during hostname resolution ' +
      'and means that the local server did not receive a response from an authoritative server.'
  ])('is a hiccup worth another try: %s', output => {
    expect(TRANSIENT_OUTPUT.test(output)).toBe(true)
    expect(REFUSED_OUTPUT.test(output)).toBe(false)
  })

  it.each([
    'unauthorized: authentication required',
    'dial tcp: lookup no-such-host.example: no such host',
    'open C:\\Users\\runneradmin\\.docker\\config.json: Access is denied.'
  ])('is not: %s', output => {
    expect(TRANSIENT_OUTPUT.test(output)).toBe(false)
  })
})
