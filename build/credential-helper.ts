// docker's credential helper's bundle entry (script/build.ts bundles it into dist/credential-helper).
import { run } from '../src/credential-helper.js'
await run()
