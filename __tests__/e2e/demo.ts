// `npm run demo`: starts the e2e peers (moto for STS and ECR, a Distribution registry behind the
// real ECR host name, a GitHub-like OIDC endpoint), runs the action's main and post steps once
// with OIDC as a workflow would, and prints what the workflow log would show.
import { AwsFront } from './support/aws-front.js'
import { OidcServer } from './support/oidc-server.js'
import { ROLE_ARN, startPeers } from './support/peers.js'
import { Job, REPO_ROOT, type StepResult } from './support/runner.js'

const inputs = {
  'role-to-assume': ROLE_ARN,
  'aws-region': 'eu-west-1'
}

function indent(text: string): string {
  return text
    .split('\n')
    .map(line => `  ${line}`)
    .join('\n')
}

function printStep(title: string, step: StepResult, job: Job): void {
  process.stdout.write(`\n▶ ${title}  (${step.durationMs} ms, exit ${step.exitCode})\n${indent(step.log)}\n`)
  const outputs = Object.entries(step.outputs)
  if (outputs.length === 0) return
  process.stdout.write('  Outputs:\n')
  for (const [name, value] of outputs) {
    const shown = [...job.masks].some(secret => value.includes(secret)) ? '***' : value
    process.stdout.write(`    ${name}: ${shown}\n`)
  }
}

async function main(): Promise<void> {
  process.stdout.write('Starting peers: moto_server, a Distribution registry (TLS, htpasswd), an OIDC endpoint…\n')
  const peers = await startPeers()
  // moto behind AWS's own API names (TLS, the suite's hosts file): no custom endpoint.
  const aws = new AwsFront(peers.info.motoUrl, { address: peers.info.awsAddress, ...peers.info.tls })
  const oidc = new OidcServer()
  try {
    await Promise.all([aws.start(), oidc.start()])
    const job = new Job(peers.info, {
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
        RUNNER_DEBUG: undefined
      }
    })
    process.stdout.write(
      `\n# permissions: { id-token: write }\n- uses: org/ecr-login@v1\n  id: ecr\n  with:\n` +
        Object.entries(inputs)
          .map(([name, value]) => `    ${name}: ${value}\n`)
          .join('')
    )
    const main = await job.uses(REPO_ROOT, inputs)
    printStep('Run org/ecr-login@v1', main, job)
    process.stdout.write('\n  (moto dates every token 2015-01-01, hence the warning; ECR tokens last 12 hours.)\n')
    const auths = Object.keys(job.dockerConfigJson().auths ?? {})
    process.stdout.write(`\n  docker config now holds: ${auths.join(', ') || '(nothing)'}\n`)
    for (const post of await job.finish()) printStep('Post Run org/ecr-login@v1', post, job)
    const after = Object.keys(job.dockerConfigJson().auths ?? {})
    process.stdout.write(`\n  docker config after the job: ${after.join(', ') || '(no logins)'}\n`)
    process.stdout.write(
      `\nCalls seen: OIDC ${oidc.requests.map(r => `audience=${r.audience}`).join(', ')}; ` +
        `AWS ${aws.calls.map(call => `${call.service}:${call.action} at ${call.sni}`).join(', ')}\n`
    )
    if (main.exitCode !== 0) process.exitCode = 1
  } finally {
    await Promise.all([aws.stop(), oidc.stop()])
    await peers.stop()
  }
}

await main()
