// A small emulator of the GitHub Actions runner, enough to run this action as GitHub does:
// - `INPUT_<NAME>` variables (upper-cased, spaces to `_`, hyphens kept) with action.yml's defaults;
// - GITHUB_OUTPUT, GITHUB_STATE and GITHUB_ENV files, read back after each step;
// - `STATE_<name>` handed to the post step; post steps run at job end, last first;
// - workflow commands rendered as the runner renders them, and `::add-mask::` values masked in
//   every later line of the job (masks live for the whole job);
// - RUNNER_DEBUG=1, so debug lines are in the log and checked too;
// - composite actions: `uses:` and `run:` steps, `${{ inputs.* }}`, `${{ steps.*.outputs.* }}`
//   and `${{ env.* }}` expressions, and the composite's mapped outputs.
// Every step runs under Node 24 in a private mount namespace whose /etc/hosts points the ECR
// hosts at the suite's registries; the machine's /etc/hosts is never touched.

import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import type { PeersInfo } from './peers.js'

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..')

interface ActionInputSpec {
  default?: string
}
interface CompositeStep {
  id?: string
  uses?: string
  run?: string
  shell?: string
  with?: Record<string, string>
  env?: Record<string, string>
}
interface ActionSpec {
  inputs?: Record<string, ActionInputSpec>
  outputs?: Record<string, { value?: string }>
  runs: { using: string; main?: string; post?: string; steps?: CompositeStep[] }
}

export interface StepResult {
  /** Which step: e.g. "main ./" or "post ./". */
  name: string
  exitCode: number
  /** What the process printed, unprocessed: for checks that nothing leaked before its mask. */
  stdout: string
  stderr: string
  /** What the runner would show: commands rendered, masks applied. */
  log: string
  outputs: Record<string, string>
  state: Record<string, string>
  /** Variables the step exported with GITHUB_ENV. */
  exportedEnv: Record<string, string>
  /** Folders the step added to PATH with GITHUB_PATH, for the job's later steps. */
  addedPath: string[]
  durationMs: number
}

export type Env = Record<string, string | undefined>

/** Parses the runner's file-command format: `name=value` or `name<<DELIM` … `DELIM`. */
function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const body: string[] = []
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i])
      values[name] = body.join('\n')
    } else {
      const eq = line.indexOf('=')
      values[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return values
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

function loadAction(dir: string): ActionSpec {
  return parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionSpec
}

export interface JobOptions {
  /** Variables for every step (undefined removes one from the defaults). */
  env?: Env
  /** Flags for Node before the action's script, e.g. a preload that records peak memory. */
  nodeOptions?: string[]
  /** Docker config folder; a fresh empty one by default. */
  dockerConfig?: string
  /** The Node that runs the action's scripts; the suite's Node 24 by default. */
  node?: string
  /** The job's workspace: GITHUB_WORKSPACE and every step's working directory; REPO_ROOT by default. */
  workspace?: string
  /** Called with each step's process ID as it starts, e.g. to signal it as a cancelled run would. */
  onStepStart?: (pid: number, name: string) => void
}

let jobCounter = 0

/** One job: a workspace, a docker config, a log, masks and pending post steps. */
export class Job {
  readonly dir: string
  readonly dockerConfig: string
  readonly workspace: string
  readonly steps: StepResult[] = []
  readonly masks = new Set<string>()
  private readonly posts: {
    name: string
    actionDir: string
    script: string
    state: Record<string, string>
    env: Env
  }[] = []
  private readonly env: Env
  /** Folders steps added with GITHUB_PATH: first on PATH for every later step, as on the runner. */
  private readonly addedPath: string[] = []
  private readonly nodeOptions: string[]
  private readonly node?: string
  private readonly onStepStart?: (pid: number, name: string) => void

  constructor(
    readonly peers: PeersInfo,
    options: JobOptions = {}
  ) {
    this.dir = join(peers.dir, 'jobs', `job-${process.pid}-${++jobCounter}`)
    mkdirSync(join(this.dir, 'home', '.aws'), { recursive: true })
    mkdirSync(join(this.dir, 'temp'), { recursive: true })
    // Empty AWS files: the SDK must find nothing but what a scenario gives it.
    writeFileSync(join(this.dir, 'home', '.aws', 'config'), '')
    writeFileSync(join(this.dir, 'home', '.aws', 'credentials'), '')
    this.nodeOptions = options.nodeOptions ?? []
    this.node = options.node
    this.onStepStart = options.onStepStart
    this.workspace = options.workspace ?? REPO_ROOT
    this.dockerConfig = options.dockerConfig ?? join(this.dir, 'docker')
    mkdirSync(this.dockerConfig, { recursive: true })
    this.env = {
      PATH: process.env.PATH,
      HOME: join(this.dir, 'home'),
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      GITHUB_RUN_ID: '1234567890',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: 'release',
      GITHUB_JOB: 'push',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: join(this.dir, 'temp'),
      RUNNER_DEBUG: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(this.dir, 'home', '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.dir, 'home', '.aws', 'credentials'),
      DOCKER_CONFIG: this.dockerConfig,
      // The docker CLI (Go) trusts the suite's CA through this; Node does not read it.
      SSL_CERT_FILE: peers.caFile,
      // Node (the action) trusts it through this, for AWS's API host names served by the front.
      NODE_EXTRA_CA_CERTS: peers.caFile,
      ...options.env
    }
  }

  /** The job's log so far, as the runner shows it. */
  get log(): string {
    return this.steps.map(step => `##[step] ${step.name}\n${step.log}`).join('\n')
  }

  /** Runs a node24 or composite action (a folder with action.yml) with `with:` inputs. */
  async uses(actionDir: string, inputs: Record<string, string> = {}, env: Env = {}): Promise<StepResult> {
    const spec = loadAction(actionDir)
    if (spec.runs.using === 'composite') return this.runComposite(actionDir, spec, inputs, env)
    if (!/^node\d+$/.test(spec.runs.using)) throw new Error(`unsupported runs.using: ${spec.runs.using}`)
    const stepEnv: Env = { ...env }
    for (const [name, input] of Object.entries(spec.inputs ?? {})) {
      stepEnv[inputVariable(name)] = inputs[name] ?? input.default ?? ''
    }
    for (const name of Object.keys(inputs)) {
      if (!spec.inputs?.[name]) throw new Error(`${actionDir}/action.yml declares no input '${name}'`)
    }
    const result = await this.runScript(`main ${actionDir}`, join(actionDir, spec.runs.main!), stepEnv)
    if (spec.runs.post) {
      this.posts.push({
        name: `post ${actionDir}`,
        actionDir,
        script: join(actionDir, spec.runs.post),
        state: result.state,
        env: stepEnv
      })
    }
    return result
  }

  /** Runs the pending post steps, last registered first, as the runner does at job end. */
  async finish(extraEnv: Env = {}): Promise<StepResult[]> {
    const results: StepResult[] = []
    while (this.posts.length > 0) {
      const post = this.posts.pop()!
      const env: Env = { ...post.env, ...extraEnv }
      for (const [name, value] of Object.entries(post.state)) env[`STATE_${name}`] = value
      results.push(await this.runScript(post.name, post.script, env))
    }
    return results
  }

  private async runComposite(
    actionDir: string,
    spec: ActionSpec,
    inputs: Record<string, string>,
    env: Env
  ): Promise<StepResult> {
    const values: Record<string, string> = {}
    for (const [name, input] of Object.entries(spec.inputs ?? {})) values[name] = inputs[name] ?? input.default ?? ''
    const stepOutputs: Record<string, Record<string, string>> = {}
    const evaluate = (text: string): string =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_match, expression: string) => {
        const input = /^inputs\.([\w-]+)$/.exec(expression)
        if (input) return values[input[1]] ?? ''
        const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression)
        if (output) return stepOutputs[output[1]]?.[output[2]] ?? ''
        const variable = /^env\.(\w+)$/.exec(expression)
        if (variable) return env[variable[1]] ?? this.env[variable[1]] ?? ''
        if (expression === 'github.action_path') return actionDir
        throw new Error(`the emulator cannot evaluate \${{ ${expression} }}`)
      })
    const started = Date.now()
    let last: StepResult | undefined
    for (const step of spec.runs.steps ?? []) {
      const stepEnv: Env = { ...env }
      for (const [name, value] of Object.entries(step.env ?? {})) stepEnv[name] = evaluate(value)
      if (step.uses) {
        // As on GitHub: `./` is the workspace, not the composite's folder.
        const target = step.uses.startsWith('./') ? resolve(this.workspace, step.uses) : resolve(actionDir, step.uses)
        const withInputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v))]))
        last = await this.uses(target, withInputs, stepEnv)
      } else if (step.run) {
        last = await this.runShell(`run ${step.id ?? ''}`.trim(), evaluate(step.run), stepEnv)
      }
      if (last && step.id) stepOutputs[step.id] = last.outputs
      if (last && last.exitCode !== 0) break
    }
    const outputs = Object.fromEntries(
      Object.entries(spec.outputs ?? {}).map(([name, output]) => [name, evaluate(output.value ?? '')])
    )
    return {
      name: `composite ${actionDir}`,
      exitCode: last?.exitCode ?? 0,
      stdout: '',
      stderr: '',
      log: '',
      outputs,
      state: {},
      exportedEnv: {},
      addedPath: [],
      durationMs: Date.now() - started
    }
  }

  /** Runs a shell script as a `run:` step of this job (same namespace, environment and files). */
  runShell(name: string, script: string, env: Env = {}): Promise<StepResult> {
    return this.spawnStep(name, 'bash', ['-e', '-c', script], env)
  }

  private runScript(name: string, script: string, env: Env): Promise<StepResult> {
    return this.spawnStep(name, this.node ?? this.peers.node24, [...this.nodeOptions, script], env)
  }

  /** Runs any command as a step of this job (same namespace, environment and files); `input` goes to its stdin. */
  runCommand(name: string, command: string, args: string[], env: Env = {}, input?: string): Promise<StepResult> {
    return this.spawnStep(name, command, args, env, input)
  }

  private async spawnStep(
    name: string,
    command: string,
    args: string[],
    env: Env,
    input?: string
  ): Promise<StepResult> {
    const files = { output: '', state: '', env: '', path: '' }
    const stepDir = join(this.dir, `step-${this.steps.length + 1}`)
    mkdirSync(stepDir, { recursive: true })
    for (const kind of Object.keys(files) as (keyof typeof files)[]) {
      files[kind] = join(stepDir, kind)
      writeFileSync(files[kind], '')
    }
    const merged: Env = {
      ...this.env,
      ...env,
      ...(this.addedPath.length > 0 ? { PATH: [...this.addedPath, env.PATH ?? this.env.PATH].join(':') } : {}),
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_STEP_SUMMARY: join(stepDir, 'summary')
    }
    const cleanEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >
    const started = Date.now()
    const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>(
      (done, fail) => {
        // A private mount namespace whose /etc/hosts sends the ECR hosts to the suite's registries.
        const child = spawn(
          'unshare',
          [
            '-m',
            '--',
            'bash',
            '-c',
            'mount --bind "$0" /etc/hosts && exec "$@"',
            this.peers.hostsFile,
            command,
            ...args
          ],
          { env: cleanEnv, cwd: this.workspace, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] }
        )
        if (input !== undefined) child.stdin?.end(input)
        // `unshare` and `bash -c … exec` replace themselves: this is the step's own process.
        if (child.pid !== undefined) this.onStepStart?.(child.pid, name)
        let out = ''
        let err = ''
        child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
        child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
        child.on('error', fail)
        child.on('close', code => done({ exitCode: code ?? -1, stdout: out, stderr: err }))
      }
    )
    const result: StepResult = {
      name,
      exitCode,
      stdout,
      stderr,
      log: this.render(stdout, stderr, merged.RUNNER_DEBUG === '1'),
      outputs: parseFileCommands(readFileSync(files.output, 'utf8')),
      state: parseFileCommands(readFileSync(files.state, 'utf8')),
      exportedEnv: parseFileCommands(readFileSync(files.env, 'utf8')),
      addedPath: readFileSync(files.path, 'utf8').split('\n').filter(Boolean),
      durationMs: Date.now() - started
    }
    this.addedPath.unshift(...result.addedPath)
    this.steps.push(result)
    return result
  }

  /** Renders a step's output as the runner does; each line is masked with the masks known so far. */
  private render(stdout: string, stderr: string, debug: boolean): string {
    const lines: string[] = []
    for (const raw of stdout.split('\n')) {
      const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(raw)
      if (command) {
        const [, name, data] = command
        const message = unescapeData(data)
        if (name === 'add-mask') {
          if (message.trim() !== '') this.masks.add(message)
          continue
        }
        if (name === 'debug' && !debug) continue
        const prefix = { debug: '##[debug]', warning: 'Warning: ', error: 'Error: ', notice: 'Notice: ' }[name]
        if (prefix !== undefined) lines.push(this.mask(`${prefix}${message}`))
        else if (name === 'group') lines.push(this.mask(`##[group]${message}`))
        else if (name === 'endgroup') lines.push('##[endgroup]')
        else lines.push(this.mask(raw))
      } else if (raw !== '') {
        lines.push(this.mask(raw))
      }
    }
    for (const raw of stderr.split('\n')) if (raw !== '') lines.push(this.mask(raw))
    return lines.join('\n')
  }

  private mask(line: string): string {
    let masked = line
    // Longest first, as the runner does, so that a secret containing another is hidden whole.
    for (const secret of [...this.masks].sort((a, b) => b.length - a.length)) masked = masked.split(secret).join('***')
    return masked
  }

  /** The docker config as docker left it (an empty object when there is none). */
  dockerConfigJson(): { auths?: Record<string, unknown>; [key: string]: unknown } {
    const file = join(this.dockerConfig, 'config.json')
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {}
  }
}
