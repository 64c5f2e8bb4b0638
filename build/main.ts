// The main step's bundle entry (script/build.ts bundles it into dist/main). The credential agent
// (credential-helper: true) imports this bundle too, for renewLogins alone, when a renewal is due:
// run() runs only when node was started with this file.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { RenewalPlan } from '../src/credential-handover.js'
import type { Renewal } from '../src/credential-store.js'
import { run } from '../src/main.js'

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await run()

/** The agent's renewal, from the one "aws" chunk, as main's own AWS code. */
export async function renewLogins(plan: RenewalPlan): Promise<Renewal> {
  const renewal = await import(/* webpackChunkName: "aws" */ '../src/credential-renewal.js')
  return renewal.renewLogins(plan)
}

/**
 * Never called: webpack reads its import()s when it bundles. The AWS SDK's credential chain loads
 * its providers with import(), and bundled as they are, each would be a chunk of its own, repeating
 * the code they share (webpack splits shared code out only above 20 KB). Named like the import()s
 * of src/main.ts, they join its one "aws" chunk instead, where each module is bundled once.
 */
export function credentialProvidersInTheAwsChunk(): Promise<unknown>[] {
  return [
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-ini'),
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-sso'),
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-process'),
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-web-identity'),
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-http'),
    import(/* webpackChunkName: "aws" */ '@smithy/credential-provider-imds'),
    import(/* webpackChunkName: "aws" */ '@aws-sdk/credential-provider-login')
  ]
}
