// `npm run build`: bundles build/main.ts and build/post.ts (each calls run() of src/main.ts or src/post.ts) into dist/main and dist/post
// with @vercel/ncc's API, which (unlike its CLI) can prefer ES-module builds (`module` before
// `main`). With build/tsconfig.json's paths, the AWS SDK is bundled from its ES modules, which
// webpack tree-shakes: the main bundle loads in about 20 ms less than from the CommonJS builds.
// ncc minifies the entry file only; the chunks that import() makes are minified here, with the
// same minifier and options.
//
//   npx tsx script/build.ts            # into dist/
//   npx tsx script/build.ts OUT_DIR    # elsewhere (the dist freshness test builds into a temp dir)
//   npx tsx script/build.ts OUT_DIR --modules FILE   # and which source files each chunk holds, as JSON
//   BUILD_MINIFY=0 npx tsx script/build.ts /tmp/x   # readable bundles, for --cpu-prof

import { createRequire } from 'node:module'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { minify as terser } from 'terser'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

interface NccAsset {
  source: string | Buffer
  permissions?: number
}

/** What this script reads of webpack's compilation (ncc returns its stats). */
interface BundledModule {
  resource?: string
  /** The modules webpack concatenated into this one. */
  modules?: BundledModule[]
}
interface Compilation {
  chunks: Iterable<{ files: Iterable<string> }>
  chunkGraph: { getChunkModulesIterable(chunk: unknown): Iterable<BundledModule> }
}

type Ncc = (
  entry: string,
  options: {
    esm: true
    minify: boolean
    quiet: boolean
    mainFields: string[]
    cache: false
    transpileOnly: boolean
  }
) => Promise<{ code: string; assets: Record<string, NccAsset>; stats: { compilation: Compilation } }>

export const ENTRIES = ['main', 'post', 'agent', 'credential-helper'] as const

/** Per entry, the source files (relative to the repository) each output file holds. */
export type ModuleMap = Record<string, Record<string, string[]>>

const CHUNK = /\.index\.js$/

// ncc's own options for the entry file: no compression, names kept (error classes are matched by name).
const MINIFY = { module: true, compress: false, mangle: { keep_classnames: true, keep_fnames: true } } as const

/** The files bundled into each output file, by their path in the repository. */
function modulesByFile({ chunks, chunkGraph }: Compilation): Record<string, string[]> {
  const byFile: Record<string, string[]> = {}
  for (const chunk of chunks) {
    const files: string[] = []
    const collect = (module: BundledModule): void => {
      if (module.modules) module.modules.forEach(collect)
      else if (module.resource) files.push(relative(root, module.resource))
    }
    for (const module of chunkGraph.getChunkModulesIterable(chunk)) collect(module)
    for (const file of chunk.files) byFile[file] = files.sort()
  }
  return byFile
}

/** Builds both bundles into `outDir` (default dist/), replacing what was there. */
export async function build(outDir: string = join(root, 'dist')): Promise<ModuleMap> {
  const ncc = require('@vercel/ncc') as Ncc
  const minify = process.env.BUILD_MINIFY !== '0'
  const moduleMap: ModuleMap = {}
  const cwd = process.cwd()
  // ncc takes `paths` from the tsconfig.json of its working directory.
  process.chdir(join(root, 'build'))
  try {
    for (const entry of ENTRIES) {
      const { code, assets, stats } = await ncc(join(root, 'build', `${entry}.ts`), {
        esm: true,
        minify,
        quiet: true,
        mainFields: ['module', 'main'],
        cache: false,
        transpileOnly: true
      })
      moduleMap[entry] = modulesByFile(stats.compilation)
      const dir = join(outDir, entry)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'index.js'), code)
      for (const [name, asset] of Object.entries(assets)) {
        let source = asset.source
        if (minify && CHUNK.test(name)) source = (await terser(source.toString(), MINIFY)).code ?? source
        mkdirSync(dirname(join(dir, name)), { recursive: true })
        writeFileSync(join(dir, name), source, { mode: asset.permissions })
      }
    }
  } finally {
    process.chdir(cwd)
  }
  return moduleMap
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { modules: { type: 'string' } } })
  const moduleMap = await build(positionals[0] ? resolve(positionals[0]) : undefined)
  if (values.modules) writeFileSync(values.modules, JSON.stringify(moduleMap, null, 2))
}
