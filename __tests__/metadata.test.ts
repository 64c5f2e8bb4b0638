// What users read and what the code does must agree: action.yml, README.md's tables, the inputs
// the code reads, and the workflows and their pins. Changing one without the others fails here.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { metadataFiles, validateFile } from '../script/validate-metadata.js'
import { INPUT_NAMES } from '../src/inputs.js'

const root = join(import.meta.dirname, '..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

interface ActionMetadata {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
  runs: { using: string }
}

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
}

interface Workflow {
  jobs: Record<string, { if?: string; uses?: string; steps?: Step[]; permissions?: Record<string, string> }>
}

const action = parse(read('action.yml')) as ActionMetadata
const readme = read('README.md')
const workflowFiles = readdirSync(join(root, '.github', 'workflows'))
  .filter(name => /\.ya?ml$/.test(name))
  .sort()
  .map(name => join('.github', 'workflows', name))
const workflows = workflowFiles.map(file => ({ file, text: read(file), yaml: parse(read(file)) as Workflow }))

/** The rows of the first table after `heading`, as cells; header and separator rows dropped. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.findIndex(line => line.trim() === heading)
  if (start < 0) throw new Error(`README.md has no '${heading}' heading`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6} /.test(line)) break
    if (!line.trimStart().startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    rows.push(
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map(cell => cell.trim())
    )
  }
  return rows.slice(2)
}

/** `` `name` `` → name */
const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1')

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile() && entry.name.endsWith('.ts'))
    .map(entry => relative(root, join(entry.parentPath, entry.name)))
    .sort()
}

describe('README.md documents action.yml', () => {
  const inputRows = tableAfter(readme, '## Inputs')
  const outputRows = tableAfter(readme, '## Outputs')

  it('lists every input action.yml declares, and no other', () => {
    expect(inputRows.map(([name]) => unquote(name)).sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it.each(Object.entries(action.inputs))("gives input '%s' the default action.yml gives it", (name, input) => {
    const row = inputRows.find(([cell]) => unquote(cell) === name)
    expect(row, `README.md's Inputs table has no row for ${name}`).toBeDefined()
    expect(row?.[1]).toBe(input.default === undefined ? '—' : `\`${input.default}\``)
  })

  it('lists every output action.yml declares, plus the per-host docker credentials, and no other', () => {
    const perHost = ['docker_username_<host>', 'docker_password_<host>']
    expect(outputRows.map(([name]) => unquote(name)).sort()).toEqual(
      [...Object.keys(action.outputs), ...perHost].sort()
    )
  })

  it('describes every input and output in a non-empty cell', () => {
    for (const row of [...inputRows, ...outputRows]) expect(row.at(-1), row[0]).not.toBe('')
  })

  it('stays short (≤ 25,000 bytes; the rest lives in docs/) and links every file of docs/', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(25_000)
    const docs = readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md'))
    expect(docs.length).toBeGreaterThan(0)
    for (const name of docs) expect(readme, `README.md links docs/${name}`).toContain(`(docs/${name}`)
  })
})

describe('the code reads only the inputs action.yml declares', () => {
  it('INPUT_NAMES in src/inputs.ts is exactly the inputs of action.yml', () => {
    expect([...INPUT_NAMES].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('src/inputs.ts passes only declared names to getInput', () => {
    const names = [...read('src/inputs.ts').matchAll(/\bgetInput\(\s*['"`]([^'"`]+)['"`]/g)].map(match => match[1])
    expect(names.length).toBeGreaterThan(0)
    for (const name of names) expect(Object.keys(action.inputs), `getInput('${name}')`).toContain(name)
  })

  it.each(sourceFiles('src').filter(file => file !== join('src', 'inputs.ts')))(
    '%s reads no input itself (only src/inputs.ts does)',
    file => {
      const text = read(file)
      expect(text).not.toMatch(/\bget(Boolean|Multiline)?Input\s*\(/)
      expect(text).not.toMatch(/process\.env\.INPUT_|\[\s*['"`]INPUT_/)
    }
  )
})

describe('workflows', () => {
  it('exist: ci, check-dist, codeql and e2e-aws', () => {
    for (const name of ['ci', 'check-dist', 'codeql', 'e2e-aws']) {
      expect(workflowFiles).toContain(join('.github', 'workflows', `${name}.yml`))
    }
  })

  it.each(workflowFiles)('%s pins every action by full commit SHA with a version comment', file => {
    const { text } = workflows.find(workflow => workflow.file === file)!
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)]
    expect(uses.length).toBeGreaterThan(0)
    for (const [line, ref, rest] of uses) {
      if (ref.startsWith('./')) continue
      expect(ref, line.trim()).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/)
      expect(rest.trim(), line.trim()).toMatch(/^# v\d+(\.\d+)*$/)
    }
  })

  it.each(workflowFiles)('%s runs only npm scripts that package.json defines', file => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts)
    const { text } = workflows.find(workflow => workflow.file === file)!
    for (const [, script] of text.matchAll(/\bnpm run ([\w:.-]+)/g)) expect(scripts).toContain(script)
  })

  it('take Node from .node-version, which is the Node action.yml runs on', () => {
    const version = read('.node-version').trim()
    expect(action.runs.using).toBe(`node${version}`)
    const setupNode = workflows.flatMap(({ yaml }) =>
      Object.values(yaml.jobs).flatMap(job =>
        (job.steps ?? []).filter(step => step.uses?.startsWith('actions/setup-node@'))
      )
    )
    expect(setupNode.length).toBeGreaterThan(0)
    for (const step of setupNode) {
      expect(step.with?.['node-version-file']).toBe('.node-version')
      expect(step.with).not.toHaveProperty('node-version')
    }
  })

  it("and so do package.json's engines and the unit suite itself (npm run test:unit fetches it)", () => {
    const major = read('.node-version').trim()
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } }
    expect(pkg.engines.node).toBe(`>=${major}`)
    expect(process.versions.node.split('.')[0]).toBe(major)
  })

  it('e2e-aws uses the action itself, with an OIDC token, only where AWS_ROLE_ARN is set', () => {
    const { yaml } = workflows.find(({ file }) => file.endsWith('e2e-aws.yml'))!
    const jobs = Object.values(yaml.jobs)
    expect(jobs.length).toBeGreaterThan(0)
    for (const job of jobs) {
      expect(job.if).toContain("vars.AWS_ROLE_ARN != ''")
      expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' })
      expect(job.steps?.some(step => step.uses === './')).toBe(true)
    }
  })

  it('dependabot updates npm and github-actions, each in groups', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      updates: { 'package-ecosystem': string; groups?: Record<string, unknown> }[]
    }
    const ecosystems = config.updates.map(update => update['package-ecosystem']).sort()
    expect(ecosystems).toEqual(['github-actions', 'npm'])
    for (const update of config.updates) expect(Object.keys(update.groups ?? {})).not.toHaveLength(0)
  })
})

describe('metadata validation (script/validate-metadata.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-metadata-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('covers action.yml, the helper actions, every workflow and dependabot.yml', () => {
    const files = metadataFiles().map(({ file }) => relative(root, file))
    expect(files).toEqual([
      'action.yml',
      join('.github', 'actions', 'check-after-post', 'action.yml'),
      ...workflowFiles,
      join('.github', 'dependabot.yml')
    ])
  })

  it('uses only our own schemas, written from GitHub documentation, no copied ones', () => {
    expect(readdirSync(join(root, 'schemas')).sort()).toEqual([
      'README.md',
      'action.schema.json',
      'dependabot.schema.json'
    ])
    for (const name of ['action.schema.json', 'dependabot.schema.json']) {
      const schema = JSON.parse(read(join('schemas', name))) as { $comment?: string }
      expect(schema.$comment, name).toMatch(/^Written for this repository from GitHub's documentation/)
    }
  })

  it.each(metadataFiles().map(({ file, kind }) => [relative(root, file), kind] as const))(
    '%s passes the %s check',
    async (file, kind) => {
      expect(await validateFile(join(root, file), kind)).toEqual([])
    }
  )

  const workflow = (job: string): string => `on: push\njobs:\n  a:\n${job}`
  it.each([
    // action.yml, against schemas/action.schema.json
    ['action.yml', read('action.yml').replace('runs:', 'run:'), /^action\.yml:\d+: \(top level\): unknown key 'run'/m],
    [
      'action.yml',
      read('action.yml').replace('branding:', 'brandingg:'),
      /^action\.yml:4: \(top level\): unknown key 'brandingg'/m
    ],
    [
      'action.yml',
      read('action.yml').replace("using: 'node24'", "using: 'node99'"),
      /^action\.yml:\d+: \/runs\/using must be one of: node20, node24, composite, docker/m
    ],
    ['action.yml', read('action.yml').replace('  audience:', '  1audience:'), /key '1audience' must match pattern/],
    // workflows, with actionlint
    [
      'ci.yml',
      workflow('    runs-onn: ubuntu-latest\n    steps:\n      - run: true\n'),
      /^ci\.yml:4: unexpected key "runs-onn" for "job" section/m
    ],
    [
      'ci.yml',
      workflow('    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n'),
      /^ci\.yml:6: undefined variable "foo"/m
    ],
    [
      'ci.yml',
      workflow('    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.x ==== 1 }}\n'),
      /^ci\.yml:6: .*\(actionlint expression\)$/m
    ],
    ['ci.yml', workflow('    runs-on: [\n'), /^ci\.yml:5: YAML:/m],
    // dependabot.yml, against schemas/dependabot.schema.json
    [
      'dependabot.yml',
      'version: 2\nupdates:\n  - package-ecosystem: npm\n',
      /^dependabot\.yml:3: \/updates\/0: missing required key 'schedule'/m
    ],
    [
      'dependabot.yml',
      read('.github/dependabot.yml').replace('package-ecosystem: npm', 'package-ecosystem: npmm'),
      /^dependabot\.yml:\d+: \/updates\/0\/package-ecosystem must be one of: .*\bnpm\b/m
    ],
    [
      'dependabot.yml',
      read('.github/dependabot.yml').replace('interval: weekly', 'interval: fortnightly'),
      /\/updates\/0\/schedule\/interval must be one of/
    ]
  ])('rejects a broken %s (%#)', async (name, text, expected) => {
    const file = join(dir, name)
    writeFileSync(file, text)
    const problems = await validateFile(file)
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.join('\n').replaceAll(`${dir}/`, '')).toMatch(expected)
  })
})
