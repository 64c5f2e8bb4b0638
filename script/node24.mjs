// Runs `node <args>` on Node 24, the runtime the action ships on (action.yml `using: node24`):
// this Node when it is 24 or later, else Node 24 fetched from npm once (`npx node@24`, as the e2e
// suite runs the bundle). The unit suite and the tools that load src/ run through it.
//
//   node script/node24.mjs node_modules/vitest/vitest.mjs run
import { spawnSync } from 'node:child_process'

const args = process.argv.slice(2)
const major = Number(process.versions.node.split('.')[0])
const [command, commandArgs] = major >= 24 ? [process.execPath, args] : ['npx', ['--yes', 'node@24', ...args]]
// npx is a .cmd shim on Windows, which only a shell can run; the arguments are the script's own.
const result = spawnSync(command, commandArgs, { stdio: 'inherit', shell: process.platform === 'win32' && major < 24 })
if (result.error) throw result.error
process.exitCode = result.status ?? 1
