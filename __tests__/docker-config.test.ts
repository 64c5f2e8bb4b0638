import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createJobDirectory,
  dockerConfigFile,
  removeJobDirectory,
  seedDockerConfig,
  userDockerConfigDir
} from '../src/docker-config.js'

let root: string
let userDir: string
let runnerTemp: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'job-config-test-'))
  userDir = join(root, 'home', '.docker')
  runnerTemp = join(root, 'temp')
  mkdirSync(userDir, { recursive: true })
  mkdirSync(runnerTemp)
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const USER_CONFIG = '{\n\t"auths": {"ghcr.io": {"auth": "b2N0bzp4"}},\n\t"credsStore": "pass",\n\t"proxies": {}\n}\n'

describe('userDockerConfigDir', () => {
  it.each([
    [{ DOCKER_CONFIG: '/cfg', HOME: '/home/u' }, '/cfg'],
    [{ HOME: '/home/u' }, '/home/u/.docker'],
    [{ DOCKER_CONFIG: '', HOME: '/home/u' }, '/home/u/.docker']
  ])('finds docker’s own directory in %j', (env, expected) => {
    expect(userDockerConfigDir(env, 'linux')).toBe(expected)
  })

  // docker's home on Windows is USERPROFILE (Go's os.UserHomeDir); Git Bash sets a HOME of its own.
  it.each([
    [{ USERPROFILE: 'C:\\Users\\runneradmin', HOME: '/c/Users/runneradmin' }, 'C:\\Users\\runneradmin\\.docker'],
    [{ DOCKER_CONFIG: 'D:\\cfg', USERPROFILE: 'C:\\Users\\me' }, 'D:\\cfg']
  ])('on Windows finds docker’s own directory in %j', (env, expected) => {
    expect(userDockerConfigDir(env, 'win32')).toBe(expected)
    expect(dockerConfigFile(env, 'win32')).toBe(`${expected}\\config.json`)
  })
})

describe('the job-private directory', () => {
  it('is made under RUNNER_TEMP, readable by its owner only', () => {
    const dir = createJobDirectory({ RUNNER_TEMP: runnerTemp })
    expect(dir.startsWith(join(runnerTemp, 'ecr-login-'))).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('starts from a byte-for-byte copy of the user’s config.json, owner-only, and links the shared entries', () => {
    writeFileSync(join(userDir, 'config.json'), USER_CONFIG)
    for (const entry of ['buildx', 'contexts', 'cli-plugins']) mkdirSync(join(userDir, entry))
    const dir = createJobDirectory({ RUNNER_TEMP: runnerTemp })
    seedDockerConfig(dir, userDir)
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(USER_CONFIG)
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600)
    for (const entry of ['buildx', 'contexts', 'cli-plugins']) {
      expect(lstatSync(join(dir, entry)).isSymbolicLink()).toBe(true)
      expect(readlinkSync(join(dir, entry))).toBe(join(userDir, entry))
    }
  })

  it('has a config.json even when the user has none (podman and buildah fail without one), and no dangling links', () => {
    const dir = createJobDirectory({ RUNNER_TEMP: runnerTemp })
    seedDockerConfig(dir, userDir)
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({})
    for (const entry of ['buildx', 'contexts', 'cli-plugins']) expect(existsSync(join(dir, entry))).toBe(false)
  })

  it('is removed with its links, never what they point to', () => {
    mkdirSync(join(userDir, 'buildx'))
    writeFileSync(join(userDir, 'buildx', 'current'), 'builder')
    const dir = createJobDirectory({ RUNNER_TEMP: runnerTemp })
    seedDockerConfig(dir, userDir)
    removeJobDirectory(dir)
    expect(existsSync(dir)).toBe(false)
    expect(readFileSync(join(userDir, 'buildx', 'current'), 'utf8')).toBe('builder')
  })

  it('refuses to remove a directory it did not make', () => {
    expect(() => removeJobDirectory(userDir)).toThrow(/is not a directory this action made/)
    expect(existsSync(userDir)).toBe(true)
  })
})
