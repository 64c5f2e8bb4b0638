// The credential agent's bundle entry (script/build.ts bundles it into dist/agent).
import { run } from '../src/credential-agent.js'
await run()
