// docker's credential helper for credential-helper: true (docker-credential-ecr-login-action): the
// program docker, buildx, podman, skopeo and helm run with `get`, `store`, `erase` or `list`, with
// the protocol of docker/docker-credential-helpers (JSON on stdin and stdout; errors on stdout with
// exit 1). It asks the job's credential agent, whose endpoint is in the folder it is given. When
// the agent is gone, `get` says "credentials not found" at once, and the client goes on without
// credentials. Node built-ins only: it runs once per docker command.

import {
  type AgentAnswer,
  type AgentRequest,
  AgentUnreachable,
  askAgent,
  type AskLimits,
  HELPER_NAME,
  HELPER_PROGRAM,
  NOT_FOUND,
  readEndpoint
} from './credential-protocol.js'
import { logText } from './log-text.js'

// docker-credential-helpers' own words for a request without a server or a user name.
const MISSING_SERVER_URL = 'no credentials server URL'
const MISSING_USERNAME = 'no credentials username'
const USAGE = `Usage: ${HELPER_PROGRAM} <store|get|erase|list|version>`

// A live agent accepts at once; the answer may wait for a renewal (at most RENEWAL_WAIT_MS there).
const LIMITS: AskLimits = { connectMs: 2_000, answerMs: 15_000 }

export interface HelperIo {
  readStdin(): Promise<string>
  stdout(text: string): void
  stderr(text: string): void
}

interface Outcome {
  code: number
  stdout?: string
  stderr?: string
}

/** The agent's answer; undefined when there is no agent to ask. Other failures are thrown. */
async function ask(dir: string, request: AgentRequest, limits: AskLimits): Promise<AgentAnswer | undefined> {
  const endpoint = readEndpoint(dir)
  if (!endpoint) return undefined
  try {
    return await askAgent(endpoint, request, limits)
  } catch (error) {
    if (error instanceof AgentUnreachable) return undefined
    throw error
  }
}

function failed(answer: AgentAnswer): Outcome {
  return { code: 1, stdout: answer.notFound ? NOT_FOUND : (answer.error ?? `${HELPER_NAME}: the agent refused`) }
}

async function get(dir: string, serverURL: string, limits: AskLimits): Promise<Outcome> {
  let answer: AgentAnswer | undefined
  try {
    answer = await ask(dir, { action: 'get', serverURL }, limits)
  } catch (error) {
    // A stuck agent must not stop the client: it goes on without credentials, and says why.
    const why = `${HELPER_NAME}: the job's credential agent did not answer (${(error as Error).message})`
    return { code: 1, stdout: NOT_FOUND, stderr: why }
  }
  if (!answer) return { code: 1, stdout: NOT_FOUND }
  if (!answer.ok) return failed(answer)
  const credentials = { ServerURL: serverURL, Username: answer.username, Secret: answer.secret }
  return { code: 0, stdout: JSON.stringify(credentials), stderr: answer.warning }
}

async function store(dir: string, input: string, limits: AskLimits): Promise<Outcome> {
  let credentials: { ServerURL?: unknown; Username?: unknown; Secret?: unknown }
  try {
    credentials = JSON.parse(input) as typeof credentials
  } catch {
    return { code: 1, stdout: `${HELPER_NAME}: store expects JSON with ServerURL, Username and Secret` }
  }
  const { ServerURL: serverURL, Username: username, Secret: secret } = credentials ?? {}
  if (typeof serverURL !== 'string' || serverURL === '') return { code: 1, stdout: MISSING_SERVER_URL }
  if (typeof username !== 'string' || username === '') return { code: 1, stdout: MISSING_USERNAME }
  const answer = await ask(
    dir,
    { action: 'store', serverURL, username, secret: typeof secret === 'string' ? secret : '' },
    limits
  )
  if (!answer) {
    return {
      code: 1,
      stdout: `${HELPER_NAME}: the job's credential agent is not running (it ends with the job): cannot store credentials for ${logText(serverURL)}`
    }
  }
  return answer.ok ? { code: 0 } : failed(answer)
}

/** One run of the helper: `args` are the agent's folder, then docker's action. */
export async function runHelper(args: string[], io: HelperIo, limits: AskLimits = LIMITS): Promise<number> {
  const [dir, action, ...rest] = args
  let outcome: Outcome
  if (!dir || !action || rest.length > 0) outcome = { code: 1, stdout: USAGE }
  else if (action === '--help' || action === '-h') outcome = { code: 0, stdout: USAGE }
  else if (action === 'version' || action === '--version' || action === '-v') {
    outcome = { code: 0, stdout: `${HELPER_PROGRAM} (ecr-login) 1` }
  } else if (action === 'get' || action === 'erase') {
    const serverURL = (await io.readStdin()).trim()
    if (serverURL === '') outcome = { code: 1, stdout: MISSING_SERVER_URL }
    else if (action === 'get') outcome = await get(dir, serverURL, limits)
    else {
      // Nothing held is nothing to erase: docker keeps its own entry when an erase fails.
      const answer = await ask(dir, { action, serverURL }, limits).catch(() => undefined)
      outcome = !answer || answer.ok ? { code: 0 } : failed(answer)
    }
  } else if (action === 'store') outcome = await store(dir, await io.readStdin(), limits)
  else if (action === 'list') {
    const answer = await ask(dir, { action }, limits).catch(() => undefined)
    outcome = { code: 0, stdout: JSON.stringify(answer?.servers ?? {}) }
  } else outcome = { code: 1, stdout: `${HELPER_PROGRAM}: unknown action: ${logText(action)}` }
  if (outcome.stderr) io.stderr(`${outcome.stderr}\n`)
  if (outcome.stdout !== undefined) io.stdout(`${outcome.stdout}\n`)
  return outcome.code
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (text += chunk))
    stream.on('end', () => resolve(text))
    stream.on('error', reject)
  })
}

/** The helper's process: argv after the script, stdin, stdout and stderr. */
export async function run(): Promise<void> {
  process.exitCode = await runHelper(process.argv.slice(2), {
    readStdin: () => readAll(process.stdin),
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text)
  })
}
