// The credential agent's renewal: new ECR tokens for every registry group, the way main got them
// (GitHub's OIDC token → STS, or the credentials main found), before the old ones expire. Bundled
// with main (it shares the AWS SDK); the agent loads that bundle only when a renewal is due.

import { credentialsFromDefaultChain } from './aws-credentials.js'
import { describeEcrError, fetchRegistryLogins } from './aws-ecr.js'
import type { AwsCredentials } from './aws-sdk.js'
import type { RenewalPlan } from './credential-handover.js'
import type { HeldLogin, Renewal } from './credential-store.js'
import { Deadline } from './deadline.js'
import { ActionError, messageOf } from './errors.js'
import { requestIdToken } from './github-oidc.js'
import { createAgents } from './network.js'
import type { RegistryGroup } from './registries.js'
import { type CallContext, retryPolicy } from './retry.js'

// Credentials that expire within this are not reused: the chain is asked for fresh ones.
const CREDENTIALS_MARGIN_MS = 5 * 60_000

async function renewalCredentials(plan: RenewalPlan, context: CallContext): Promise<AwsCredentials> {
  if (plan.webIdentity) {
    const { settings, request } = plan.webIdentity
    // As in main: the STS client is loaded only for OIDC.
    const { assumeRoleWithWebIdentity } = await import(/* webpackChunkName: "aws" */ './aws-sts.js')
    const token = await requestIdToken(request, settings.audience, context)
    return assumeRoleWithWebIdentity(settings, token, plan.stsRegion, context)
  }
  const given = plan.credentials
  const expiration = given?.expiration ? new Date(given.expiration) : undefined
  if (given && (!expiration || expiration.getTime() - CREDENTIALS_MARGIN_MS > Date.now())) {
    return { ...given, expiration }
  }
  // In this process's memory only: its environment block stays as it was started, without them.
  Object.assign(process.env, plan.awsEnv)
  return credentialsFromDefaultChain(context, plan.stsRegion)
}

/** Why a group was not renewed: main's message says "Not logged in", which is not the case here. */
function groupFailure(error: unknown, group: RegistryGroup): string {
  const cause = error instanceof ActionError ? error.cause : undefined
  if (cause === undefined) return messageOf(error)
  return cause instanceof ActionError ? cause.message : describeEcrError(cause, group)
}

/** New logins for every group of the plan; a group that fails is named in `failures`. */
export async function renewLogins(plan: RenewalPlan): Promise<Renewal> {
  const context: CallContext = {
    agents: createAgents(plan.proxy),
    deadline: new Deadline(plan.timeoutSeconds),
    retry: retryPolicy(plan.retryMaxAttempts)
  }
  const logins: HeldLogin[] = []
  const failures: string[] = []
  try {
    const credentials = await renewalCredentials(plan, context)
    await Promise.all(
      plan.groups.map(async group => {
        try {
          for (const login of await fetchRegistryLogins(group, credentials, context, true)) {
            logins.push({ ...login, expiresAt: login.expiresAt?.getTime() })
          }
        } catch (error) {
          failures.push(groupFailure(error, group))
        }
      })
    )
  } catch (error) {
    failures.push(messageOf(error))
  } finally {
    context.agents.https.destroy()
    context.agents.http.destroy()
  }
  return { logins, failures }
}
