// A credential store of the suite's own (fixtures/credential-helper.cjs) as `docker-credential-<name>`
// in a folder to put on PATH. Named `secretservice`, it is the OS store the docker CLI picks by
// itself on Linux when config.json names no store and holds no auths (cli/config: DetectDefaultStore);
// it can refuse like Windows' credential manager or a locked macOS keychain, and it records every
// request, so that a scenario can tell what it was asked to hold.

import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './runner.js'

const HELPER = join(REPO_ROOT, '__tests__', 'e2e', 'fixtures', 'credential-helper.cjs')

/** How the store answers: `wincred` refuses secrets over 2,560 bytes; `locked-keychain` refuses all. */
export type StoreRefusal = 'wincred' | 'locked-keychain'

/** What each refusal says, as the real store does. */
export const STORE_REFUSALS: Record<StoreRefusal, string> = {
  wincred: 'The stub received bad data.',
  'locked-keychain': 'User interaction is not allowed.'
}

interface StoreRequest {
  command: 'store' | 'get' | 'erase' | 'list'
  input: string
}

export interface FakeCredentialStore {
  /** The folder holding `docker-credential-<name>`: put it on PATH. */
  bin: string
  /** The variables the helper reads: give them to the step. */
  env: Record<string, string>
  /** Every request docker made, refused ones included, oldest first. */
  requests(): StoreRequest[]
  /** What it holds: server URL → user name and secret. */
  entries(): Record<string, { Username: string; Secret: string }>
}

/** `docker-credential-<name>` in `dir/bin`, with its store and request log in `dir`. */
export function fakeCredentialStore(dir: string, name: string, refuses?: StoreRefusal): FakeCredentialStore {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  const helper = join(bin, `docker-credential-${name}`)
  // The suite's own Node: a step's PATH may hold no node.
  writeFileSync(helper, `#!/bin/sh\nexec '${process.execPath}' '${HELPER}' "$@"\n`)
  chmodSync(helper, 0o755)
  const storeFile = join(dir, 'store.json')
  const requestsFile = join(dir, 'requests.jsonl')
  writeFileSync(requestsFile, '')
  return {
    bin,
    env: {
      E2E_CREDENTIAL_STORE: storeFile,
      E2E_CREDENTIAL_STORE_REQUESTS: requestsFile,
      ...(refuses ? { E2E_CREDENTIAL_STORE_REFUSES: refuses } : {})
    },
    requests: () =>
      readFileSync(requestsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(line => JSON.parse(line) as StoreRequest),
    entries: () =>
      existsSync(storeFile)
        ? (JSON.parse(readFileSync(storeFile, 'utf8')) as Record<string, { Username: string; Secret: string }>)
        : {}
  }
}

/**
 * Throws unless the docker CLI on this machine would pick `secretservice` as its default store: on
 * Linux it prefers `pass` whenever a `pass` command is on PATH.
 */
export function expectSecretServiceIsDockersDefault(path: string): void {
  let pass = ''
  try {
    pass = execFileSync('sh', ['-c', 'command -v pass'], { encoding: 'utf8', env: { PATH: path } }).trim()
  } catch {
    return // no pass: docker's default on Linux is secretservice
  }
  throw new Error(`${pass} is on PATH: the docker CLI would pick the pass store, not secretservice.`)
}
