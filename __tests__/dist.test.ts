// dist/ is what GitHub runs: it must be exactly what the sources build to.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ModuleMap } from '../script/build.js'

const root = join(import.meta.dirname, '..')
const tsx = join(root, 'node_modules', '.bin', 'tsx')
// All of dist/ (issue 18): what every run downloads with the action, and most of what it parses.
const DIST_BUDGET_BYTES = 800_000

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

describe('dist/', () => {
  const built = mkdtempSync(join(tmpdir(), 'ecr-login-dist-'))
  const modulesFile = join(built, 'modules.json')
  afterAll(() => rmSync(built, { recursive: true, force: true }))

  it('matches a fresh build of src/ (run `npm run build` and commit dist/)', () => {
    execFileSync(tsx, ['script/build.ts', built, '--modules', modulesFile], { cwd: root, stdio: 'pipe' })
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

  // From webpack's own chunk graph (script/build.ts --modules), concatenated modules included.
  it('bundles no source file into two files of a bundle: code shared by lazy chunks is loaded once', () => {
    const map = JSON.parse(readFileSync(modulesFile, 'utf8')) as ModuleMap
    for (const entry of ['main', 'post']) {
      const files = Object.entries(map[entry])
      expect(files.map(([file]) => file).sort(), `the files of dist/${entry}`).toEqual(
        filesUnder(join(built, entry)).filter(file => file.endsWith('.js'))
      )
      expect(files.flatMap(([, modules]) => modules).length, `dist/${entry} bundles some modules`).toBeGreaterThan(10)
      const where = new Map<string, string[]>()
      for (const [file, modules] of files)
        for (const module of modules) where.set(module, [...(where.get(module) ?? []), file])
      const repeated = [...where]
        .filter(([, inFiles]) => inFiles.length > 1)
        .map(([module, inFiles]) => `${module} in ${inFiles.join(', ')}`)
      expect(repeated, `dist/${entry}`).toEqual([])
    }
  })

  it(`is at most ${DIST_BUDGET_BYTES.toLocaleString('en')} bytes in all`, () => {
    const dist = join(root, 'dist')
    const total = filesUnder(dist).reduce((sum, file) => sum + statSync(join(dist, file)).size, 0)
    expect(total).toBeLessThanOrEqual(DIST_BUDGET_BYTES)
  })
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
