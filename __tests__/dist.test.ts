// dist/ is what GitHub runs: it must be exactly what the sources build to.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const tsx = join(root, 'node_modules', '.bin', 'tsx')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

describe('dist/', () => {
  const built = mkdtempSync(join(tmpdir(), 'ecr-login-dist-'))
  afterAll(() => rmSync(built, { recursive: true, force: true }))

  it('matches a fresh build of src/ (run `npm run build` and commit dist/)', () => {
    execFileSync(tsx, ['script/build.ts', built], { cwd: root, stdio: 'pipe' })
    for (const entry of ['main', 'post']) {
      const committed = join(root, 'dist', entry)
      const fresh = join(built, entry)
      expect(filesUnder(committed), `the files of dist/${entry}`).toEqual(filesUnder(fresh))
      for (const file of filesUnder(fresh)) {
        const same = readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file)))
        expect(same, `dist/${entry}/${file} is stale`).toBe(true)
      }
    }
  }, 120_000)
})

describe('what the bundles leave out', () => {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile() && entry.name.endsWith('.ts') && !entry.parentPath.includes('stubs'))
    .map(entry => readFileSync(join(entry.parentPath, entry.name), 'utf8'))

  it('never calls core.getIDToken, whose HTTP client the bundles replace with a stub (build/stubs/http-client.ts)', () => {
    expect(sources.filter(source => /\bgetIDToken\(|from '@actions\/http-client/.test(source))).toEqual([])
  })

  it.each(['main', 'post'])('dist/%s carries neither undici nor @actions/http-client', entry => {
    for (const file of filesUnder(join(root, 'dist', entry))) {
      const code = readFileSync(join(root, 'dist', entry, file), 'utf8')
      expect(code, `dist/${entry}/${file}`).not.toMatch(/undici|HttpClientError/)
    }
  })
})
