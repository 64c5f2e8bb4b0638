// The main step's bundle entry (script/build.ts bundles it into dist/main).
import { run } from '../src/main.js'
await run()
