import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addHelperEntry, type HelperEntries, removeHelperEntries } from '../src/credential-config.js'

const A = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
const B = '210987654321.dkr.ecr.us-east-1.amazonaws.com'
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-login-config-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'))

describe('addHelperEntry and removeHelperEntries', () => {
  it('names the helper per host in a config that keeps everything else, and puts it back as it was', () => {
    const file = join(dir, 'config.json')
    const user = {
      auths: { 'ghcr.io': { auth: 'b2N0b2NhdDp4' } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud', [B]: 'ecr-login' },
      proxies: { default: { noProxy: '*.internal' } }
    }
    writeFileSync(file, JSON.stringify(user))
    const entries: HelperEntries = { file, previous: {} }
    addHelperEntry(entries, A)
    addHelperEntry(entries, B)
    addHelperEntry(entries, B)
    expect(read(file)).toEqual({
      ...user,
      credHelpers: { 'gcr.io': 'gcloud', [A]: 'ecr-login-action', [B]: 'ecr-login-action' }
    })
    // amazon-ecr-credential-helper's entry for B is remembered once, not overwritten by ours.
    expect(entries.previous).toEqual({ [A]: null, [B]: 'ecr-login' })

    removeHelperEntries(entries)
    expect(read(file)).toEqual(user)
  })

  it('creates the config (and its folder) for the user only, and drops credHelpers once empty', () => {
    const file = join(dir, 'new', '.docker', 'config.json')
    const entries: HelperEntries = { file, previous: {} }
    addHelperEntry(entries, A)
    expect(read(file)).toEqual({ credHelpers: { [A]: 'ecr-login-action' } })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'new', '.docker')).mode & 0o777).toBe(0o700)
    removeHelperEntries(entries)
    expect(read(file)).toEqual({})
  })

  it('drops the empty auths entry docker login left for each host, and no other', () => {
    const file = join(dir, 'config.json')
    const entries: HelperEntries = { file, previous: {} }
    addHelperEntry(entries, A)
    addHelperEntry(entries, B)
    // As docker login leaves it with a helper: an empty entry. B was logged in to again without it since.
    const auths = { [A]: {}, [B]: { auth: 'QVdTOnRoZWlycw==' }, 'ghcr.io': {} }
    writeFileSync(file, JSON.stringify({ ...(read(file) as object), auths }))
    removeHelperEntries(entries)
    expect(read(file)).toEqual({ auths: { [B]: { auth: 'QVdTOnRoZWlycw==' }, 'ghcr.io': {} } })
  })

  it('says which hosts it put back, and leaves a config with none of ours as it was written', () => {
    const file = join(dir, 'config.json')
    const text = '{"credHelpers": {"gcr.io": "gcloud"}, "auths": {}}'
    writeFileSync(file, text)
    expect(removeHelperEntries({ file, previous: { [A]: null } })).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe(text)
    const entries: HelperEntries = { file, previous: {} }
    addHelperEntry(entries, A)
    expect(removeHelperEntries(entries)).toEqual([A])
  })

  it('leaves an entry someone changed since, and a config that is gone', () => {
    const file = join(dir, 'config.json')
    const entries: HelperEntries = { file, previous: {} }
    addHelperEntry(entries, A)
    addHelperEntry(entries, B)
    writeFileSync(file, JSON.stringify({ credHelpers: { [A]: 'theirs', [B]: 'ecr-login-action' } }))
    removeHelperEntries(entries)
    expect(read(file)).toEqual({ credHelpers: { [A]: 'theirs' } })
    rmSync(file)
    removeHelperEntries(entries)
  })

  it('refuses a config that is not a JSON object, naming the file and the fix, and leaves it alone', () => {
    const file = join(dir, 'config.json')
    writeFileSync(file, '{"auths": ')
    expect(() => addHelperEntry({ file, previous: {} }, A)).toThrow(
      `${file} is not a JSON object: fix or remove it, then run the job again.`
    )
    writeFileSync(file, '[]')
    expect(() => addHelperEntry({ file, previous: {} }, A)).toThrow('is not a JSON object')
    expect(readFileSync(file, 'utf8')).toBe('[]')
  })
})
