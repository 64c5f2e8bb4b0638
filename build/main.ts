// The main step's bundle entry (script/build.ts bundles it into dist/main). The credential agent
// imports this bundle too, for renewLogins alone, when a renewal is due: run() only when node was
// started with it.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { run } from '../src/main.js'
export { renewLogins } from '../src/credential-renewal.js'

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await run()
