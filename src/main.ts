// The main step: inputs → AWS credentials (GitHub's OIDC token → STS, or the SDK's default
// chain) → ECR tokens → each registry checks its login, all at once → the logins are kept, one
// at a time.

import * as core from '@actions/core'
import type { RegistryLogin } from './aws-ecr.js'
import type { AwsCredentials } from './aws-sdk.js'
import { dropStaleHelperEntry, renewalPlan, startCredentialAgent } from './credential-setup.js'
import { cancellation, Deadline } from './deadline.js'
import { ActionError, messageOf } from './errors.js'
import { oidcRequestFromEnv, requestIdToken } from './github-oidc.js'
import { type Inputs, readInputs } from './inputs.js'
import { logText } from './log-text.js'
import { createAgents, proxyEnvironment, redactProxyUrl } from './network.js'
import { setLoginOutputs } from './outputs.js'
import { preconnect, preconnectTargets } from './preconnect.js'
import { processesSettled } from './process.js'
import { groupRegistries } from './registries.js'
import type { LoginTarget } from './registry-cli.js'
import { checkLogin } from './registry-check.js'
import { prepareLoginTarget, registryClient } from './registry-client.js'
import { type CallContext, retryPolicy, withRetry } from './retry.js'
import { saveLoginTarget, saveLogoutTimeout, saveRegistriesToLogOut } from './state.js'

/** Runs tasks one at a time, in the order given: config.json is rewritten whole, without a lock. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task)
    this.tail = result.catch(() => undefined)
    return result
  }
}

function expiryNote(login: RegistryLogin): string {
  if (!login.expiresAt) return ''
  if (login.expiresAt.getTime() <= Date.now()) {
    core.warning(
      `ECR says the token for ${login.host} expired at ${login.expiresAt.toISOString()}, which is in the past: ` +
        `check this runner's clock. Logged in anyway.`
    )
  }
  return ` (token valid until ${login.expiresAt.toISOString()})`
}

function failureMessage(failures: string[], loggedIn: RegistryLogin[]): string {
  const problems =
    failures.length === 1 ? failures[0] : `Could not log in to every registry:\n- ${failures.join('\n- ')}`
  if (loggedIn.length === 0) return problems
  return `${problems}\nLogged in to ${loggedIn.map(login => login.host).join(', ')}; the post step logs out of them.`
}

/** Runs `load` once, after `ready`; the same promise for every caller. */
function once<T>(ready: Promise<void>, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => (loading ??= ready.then(load))
}

/**
 * The step's AWS SDK code, loaded once `ready` (the first connections are on their way). The three
 * modules are one chunk of the bundle (webpackChunkName), read once, so that the SDK's shared code is
 * loaded once; each runs only on the path that needs it.
 */
function awsModules(ready: Promise<void> = Promise.resolve()) {
  return {
    credentials: once(ready, () =>
      import(/* webpackChunkName: "aws" */ './aws-credentials.js').then(({ credentialsFromDefaultChain }) => ({
        credentialsFromDefaultChain
      }))
    ),
    ecr: once(ready, () =>
      import(/* webpackChunkName: "aws" */ './aws-ecr.js').then(({ fetchRegistryLogins }) => ({ fetchRegistryLogins }))
    ),
    sts: once(ready, () =>
      import(/* webpackChunkName: "aws" */ './aws-sts.js').then(({ assumeRoleWithWebIdentity }) => ({
        assumeRoleWithWebIdentity
      }))
    )
  }
}
type AwsModules = ReturnType<typeof awsModules>

/** GitHub's OIDC token exchanged with STS when role-to-assume is set, else the SDK's default chain. */
export async function awsCredentials(
  inputs: Inputs,
  context: CallContext,
  aws: AwsModules = awsModules()
): Promise<AwsCredentials> {
  const { webIdentity } = inputs
  const stsRegion = inputs.region ?? inputs.registries[0].region
  // ECR's code loads while the credentials are looked for.
  aws.ecr().catch(() => undefined)
  if (!webIdentity) return (await aws.credentials()).credentialsFromDefaultChain(context, stsRegion)
  const request = oidcRequestFromEnv(process.env)
  core.info(`Assuming ${webIdentity.roleArn} with GitHub's OIDC token (audience ${logText(webIdentity.audience)})`)
  // STS's code loads while the token request is in flight.
  const tokenRequest = requestIdToken(request, webIdentity.audience, context)
  aws.sts().catch(() => undefined)
  const token = await tokenRequest
  return (await aws.sts()).assumeRoleWithWebIdentity(webIdentity, token, stsRegion, context)
}

async function logIn(inputs: Inputs, deadline: Deadline): Promise<void> {
  const { proxy } = inputs
  if (proxy.url) {
    const bypass = proxy.noProxy ? `; not for ${logText(proxy.noProxy)}` : ''
    core.info(`Using proxy ${redactProxyUrl(proxy.url)} (from ${proxy.source})${bypass}`)
  }
  // Before any credentials exist: a runner without docker or podman fails at once.
  const target = await prepareLoginTarget(inputs.dockerConfig, process.env)
  saveLoginTarget(target)

  const context: CallContext = { agents: createAgents(proxy), deadline, retry: retryPolicy(inputs.retryMaxAttempts) }
  // The connections the step will need open now, and the SDK loads while they do (issue 18).
  const targets = preconnectTargets(inputs, process.env, target.client === 'docker')
  const preconnected = preconnect(context.agents.https, targets, deadline.signal)
  try {
    await logInWith(inputs, target, context, awsModules(preconnected.underway))
  } finally {
    preconnected.close()
    context.agents.https.destroy()
    context.agents.http.destroy()
  }
}

async function logInWith(inputs: Inputs, target: LoginTarget, context: CallContext, aws: AwsModules): Promise<void> {
  const { deadline } = context
  const credentials = await awsCredentials(inputs, context, aws)
  // credential-helper: an agent holds the passwords; each is kept through our helper's `store`.
  const agent = inputs.credentialHelper
    ? startCredentialAgent(
        target,
        renewalPlan(inputs, credentials, process.env, inputs.webIdentity && oidcRequestFromEnv(process.env))
      )
    : undefined
  const client = registryClient(target, { ...process.env, ...proxyEnvironment(inputs.proxy) })
  const { fetchRegistryLogins } = await aws.ecr()

  const docker = new SerialQueue()
  const toLogOut: string[] = []
  // Checks end in any order; the outputs, and post's logouts, follow the order of the input.
  const order = inputs.registries.map(registry => registry.host)
  const inInputOrder = (a: string, b: string): number => order.indexOf(a) - order.indexOf(b)
  const loggedIn: RegistryLogin[] = []
  const failures: string[] = []

  const logInOnce = async (login: RegistryLogin): Promise<void> => {
    // The registry checks the credentials before anything is kept, every registry at once.
    if (!client.checksLogin) {
      await withRetry(`ECR registry ${login.host}`, signal => checkLogin(login, context.agents, signal), context)
    }
    await docker.run(async () => {
      // A login queued behind a slow one must not start once the step has given up.
      deadline.signal.throwIfAborted()
      if (inputs.logout) {
        toLogOut.push(login.host)
        saveRegistriesToLogOut(toLogOut.sort(inInputOrder))
        saveLogoutTimeout(inputs.timeoutSeconds)
      }
      if (agent) await agent.handOver(login)
      else dropStaleHelperEntry(target, login.host)
      await withRetry(
        client.checksLogin ? `${target.client} login to ${login.host}` : `storing the login to ${login.host}`,
        signal => client.login(login.host, login.username, login.password, signal),
        context
      )
      loggedIn.push(login)
      core.info(`Logged in to ${login.host} as ${logText(login.username)}${expiryNote(login)}`)
    })
  }

  // The groups' API calls run at once; each login starts as its token arrives.
  await Promise.all(
    groupRegistries(inputs.registries).map(async group => {
      let logins: RegistryLogin[]
      try {
        logins = await fetchRegistryLogins(group, credentials, context, inputs.maskPassword)
      } catch (error) {
        failures.push(messageOf(error))
        return
      }
      await Promise.all(
        logins.map(login => logInOnce(login).catch((error: unknown) => failures.push(messageOf(error))))
      )
    })
  )

  agent?.close()

  loggedIn.sort((a, b) => inInputOrder(a.host, b.host))
  setLoginOutputs(loggedIn, !agent)
  if (!inputs.maskPassword) {
    core.warning('mask-password is false: the docker password outputs are not masked in the log.')
  }
  if (failures.length > 0) throw new ActionError(failureMessage(failures, loggedIn))
}

export async function run(): Promise<void> {
  const cancelled = cancellation()
  let deadline: Deadline | undefined
  try {
    const inputs = readInputs()
    deadline = new Deadline(inputs.timeoutSeconds, cancelled.signal)
    await deadline.race(logIn(inputs, deadline))
  } catch (error) {
    core.setFailed(messageOf(error))
  } finally {
    // The deadline or a cancel killed every process still going (a store's helper, podman); none may
    // write after we return. A check still in flight was aborted, and nothing is kept after one.
    await processesSettled()
    cancelled.dispose()
    // A socket or the credential chain may still hold the event loop: the step is over.
    if (deadline?.signal.aborted) setTimeout(() => process.exit(), 200).unref()
  }
}
