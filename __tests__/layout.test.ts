// The shape of src/ (CONTRIBUTING.md "Layout"): flat, no shared types file, no import cycles, and
// at most six floors of imports (a file stands one floor above the deepest file it imports, type
// imports included), so that a reader reaches the bottom from main.ts in a few hops.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const src = join(import.meta.dirname, '..', 'src')
const files = readdirSync(src, { withFileTypes: true })
const modules = files.filter(entry => entry.isFile() && entry.name.endsWith('.ts')).map(entry => entry.name)
const importsOf = new Map(
  modules.map(name => {
    const text = readFileSync(join(src, name), 'utf8')
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from '\.\/([\w-]+)\.js'/gm)].map(
      match => `${match[1]}.ts`
    )
    return [name, targets]
  })
)

/** The floor of each module; throws on a cycle, naming it. */
function floors(): Map<string, number> {
  const floor = new Map<string, number>()
  const visit = (name: string, path: string[]): number => {
    if (path.includes(name)) throw new Error(`import cycle: ${[...path, name].join(' → ')}`)
    const known = floor.get(name)
    if (known !== undefined) return known
    const below = (importsOf.get(name) ?? []).map(target => visit(target, [...path, name]))
    const result = 1 + Math.max(0, ...below)
    floor.set(name, result)
    return result
  }
  for (const name of modules) visit(name, [])
  return floor
}

describe('src/', () => {
  it('is flat, with no shared types file', () => {
    expect(files.filter(entry => entry.isDirectory()).map(entry => entry.name)).toEqual([])
    expect(modules).not.toContain('types.ts')
  })

  it('imports only modules that exist', () => {
    for (const [name, targets] of importsOf) for (const target of targets) expect(modules, name).toContain(target)
  })

  it('has no import cycle and at most six floors, main.ts and post.ts on top', () => {
    const floor = floors()
    expect(Math.max(...floor.values())).toBeLessThanOrEqual(6)
    expect(floor.get('main.ts')).toBe(Math.max(...floor.values()))
    expect(floor.get('errors.ts')).toBe(1)
  })
})
