// The post step's bundle entry (script/build.ts bundles it into dist/post).
import { run } from '../src/post.js'
await run()
