// Validates the repository's GitHub metadata against the published SchemaStore schemas, vendored
// in schemas/ (see schemas/README.md): action.yml, every workflow in .github/workflows/ and
// .github/dependabot.yml. Run by `npm run check`; exits 1 on the first invalid file set.
//
//   npx tsx script/validate-metadata.ts            # every metadata file in the repository
//   npx tsx script/validate-metadata.ts FILE...    # just these (kind taken from the name)

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml'

const root = join(import.meta.dirname, '..')

type Kind = 'action' | 'workflow' | 'dependabot'

const SCHEMA_FILES: Record<Kind, string> = {
  action: 'github-action.json',
  workflow: 'github-workflow.json',
  dependabot: 'dependabot-2.0.json'
}

/** Every metadata file the repository has, with the schema that governs it. */
export function metadataFiles(dir: string = root): { file: string; kind: Kind }[] {
  const found: { file: string; kind: Kind }[] = [{ file: join(dir, 'action.yml'), kind: 'action' }]
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

const validators = new Map<Kind, { validate: ValidateFunction; schema: object }>()

function validatorFor(kind: Kind): { validate: ValidateFunction; schema: object } {
  let validator = validators.get(kind)
  if (!validator) {
    // SchemaStore's schemas use annotations (markdownDescription, …) that strict mode rejects;
    // verbose errors carry the schema they come from, to tell oneOf branches apart.
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true })
    const schema = JSON.parse(readFileSync(join(root, 'schemas', SCHEMA_FILES[kind]), 'utf8')) as object
    validator = { validate: ajv.compile(schema), schema }
    validators.set(kind, validator)
  }
  return validator
}

function pathSegments(instancePath: string): string[] {
  if (instancePath === '') return []
  return instancePath
    .slice(1)
    .split('/')
    .map(segment => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(top level)'
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key '${String(params.additionalProperty)}'`
    case 'required':
      return `${where}: missing required key '${String(params.missingProperty)}'`
    default:
      return `${where} ${error.message ?? 'is invalid'}`
  }
}

const depth = (error: ErrorObject): number => pathSegments(error.instancePath).length

/** Every schema object reachable from `schema`, following local `$ref`s. */
function reachable(schema: unknown, rootSchema: object, seen: Set<unknown> = new Set()): Set<unknown> {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return seen
  seen.add(schema)
  const ref = (schema as { $ref?: unknown }).$ref
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    const target = pathSegments(ref.slice(1)).reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined),
      rootSchema
    )
    reachable(target, rootSchema, seen)
  }
  for (const value of Object.values(schema)) reachable(value, rootSchema, seen)
  return seen
}

/**
 * A failed oneOf/anyOf reports every branch's errors before its own: for a JavaScript action with
 * a bad `using`, also what a composite or a Docker action would lack. Keep the errors of the
 * branch that came closest (fewest errors, then the deepest), as the file most likely meant it.
 */
function closestBranch(errors: readonly ErrorObject[], rootSchema: object): ErrorObject[] {
  const kept: ErrorObject[] = []
  for (const error of errors) {
    if ((error.keyword !== 'oneOf' && error.keyword !== 'anyOf') || !Array.isArray(error.schema)) {
      kept.push(error)
      continue
    }
    const under = (other: ErrorObject): boolean =>
      other.instancePath === error.instancePath || other.instancePath.startsWith(`${error.instancePath}/`)
    const branchSchemas = (error.schema as unknown[]).map(branch => reachable(branch, rootSchema))
    const groups = branchSchemas.map(() => [] as ErrorObject[])
    const rest: ErrorObject[] = []
    for (const other of kept) {
      const index = under(other) ? branchSchemas.findIndex(schemas => schemas.has(other.parentSchema)) : -1
      if (index >= 0) groups[index].push(other)
      else rest.push(other)
    }
    const candidates = groups.filter(group => group.length > 0)
    const best = candidates.sort(
      (a, b) => a.length - b.length || Math.max(...b.map(depth)) - Math.max(...a.map(depth))
    )[0]
    kept.length = 0
    kept.push(...rest, ...(best ?? [error]))
  }
  return kept
}

/** One line per problem; enum and const alternatives at one place become one "must be one of". */
function relevantErrors(errors: readonly ErrorObject[], rootSchema: object): { error: ErrorObject; text: string }[] {
  const found = closestBranch(errors, rootSchema)
  // "must match the then/else schema" only repeats the errors found inside it.
  const specific = found.filter(error => error.keyword !== 'if')
  const kept = specific.length > 0 ? specific : found
  const lines = new Map<string, { error: ErrorObject; allowed?: unknown[] }>()
  for (const error of kept) {
    const params = error.params as Record<string, unknown>
    if (error.keyword === 'enum' || error.keyword === 'const') {
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

/** The problems of one file, each as `file:line: message`; empty when it is valid. */
export function validateFile(file: string, kind: Kind = kindOf(file)): string[] {
  const shown = relative(process.cwd(), file)
  const name = shown && !shown.startsWith('..') ? shown : file
  if (!existsSync(file)) return [`${name}: file not found`]
  const lineCounter = new LineCounter()
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return doc.errors.map(error => `${name}:${lineCounter.linePos(error.pos[0]).line}: YAML: ${error.message}`)
  }
  const { validate, schema } = validatorFor(kind)
  if (validate(doc.toJS())) return []
  return relevantErrors(validate.errors ?? [], schema).map(({ error, text }) => {
    const line = lineCounter.linePos(offsetOf(doc, error)).line
    return `${name}:${line}: ${text} (${SCHEMA_FILES[kind]})`
  })
}

/** Where an error points in the YAML: the offending key for an unknown key, else the value. */
function offsetOf(doc: Document, error: ErrorObject): number {
  const node = doc.getIn(pathSegments(error.instancePath), true)
  const unknown = (error.params as { additionalProperty?: unknown }).additionalProperty
  if (error.keyword === 'additionalProperties' && isMap(node)) {
    const pair = node.items.find(item => isScalar(item.key) && item.key.value === unknown)
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0]
  }
  return isNode(node) && node.range ? node.range[0] : 0
}

function main(args: string[]): number {
  const files = args.length > 0 ? args.map(file => ({ file, kind: kindOf(file) })) : metadataFiles()
  let problems = 0
  for (const { file, kind } of files) {
    const found = validateFile(file, kind)
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

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exitCode = main(process.argv.slice(2))
