// `npm run build`: bundles build/main.ts and build/post.ts (each calls run() of src/main.ts or src/post.ts) into dist/main and dist/post
// with @vercel/ncc's API, which (unlike its CLI) can prefer ES-module builds (`module` before
// `main`). With build/tsconfig.json's paths, the AWS SDK is bundled from its ES modules, which
// webpack tree-shakes: the main bundle loads in about 20 ms less than from the CommonJS builds.
//
//   npx tsx script/build.ts            # into dist/
//   npx tsx script/build.ts OUT_DIR    # elsewhere (the dist freshness test builds into a temp dir)
//   BUILD_MINIFY=0 npx tsx script/build.ts /tmp/x   # readable bundles, for --cpu-prof

import { createRequire } from 'node:module'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const require = createRequire(import.meta.url)

interface NccAsset {
  source: string | Buffer
  permissions?: number
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
) => Promise<{ code: string; assets: Record<string, NccAsset> }>

export const ENTRIES = ['main', 'post', 'agent', 'credential-helper'] as const

/** Builds both bundles into `outDir` (default dist/), replacing what was there. */
export async function build(outDir: string = join(root, 'dist')): Promise<void> {
  const ncc = require('@vercel/ncc') as Ncc
  const cwd = process.cwd()
  // ncc takes `paths` from the tsconfig.json of its working directory.
  process.chdir(join(root, 'build'))
  try {
    for (const entry of ENTRIES) {
      const { code, assets } = await ncc(join(root, 'build', `${entry}.ts`), {
        esm: true,
        minify: process.env.BUILD_MINIFY !== '0',
        quiet: true,
        mainFields: ['module', 'main'],
        cache: false,
        transpileOnly: true
      })
      const dir = join(outDir, entry)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'index.js'), code)
      for (const [name, asset] of Object.entries(assets)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true })
        writeFileSync(join(dir, name), asset.source, { mode: asset.permissions })
      }
    }
  } finally {
    process.chdir(cwd)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await build(process.argv[2] ? resolve(process.argv[2]) : undefined)
}
