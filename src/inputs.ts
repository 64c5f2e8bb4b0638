// Every input is read, defaulted and validated here, into one typed object. Messages name the
// input, the value (never a secret: a proxy URL's user info is hidden; escaped by logText) and
// the accepted form.

import * as core from '@actions/core'
import { InputError } from './errors.js'
import { findControlCharacter, logText } from './log-text.js'
import { maskProxyCredentials, type ProxyConfig, resolveProxy } from './network.js'
import { isValidRegion, type Registry, selectRegistries, splitRegistryList } from './registries.js'

/** The inputs action.yml declares; nothing else is read. */
export const INPUT_NAMES = [
  'role-to-assume',
  'audience',
  'role-session-name',
  'role-duration-seconds',
  'aws-region',
  'registries',
  'registry-type',
  'mask-password',
  'logout',
  'skip-logout',
  'http-proxy',
  'retry-max-attempts',
  'timeout-seconds',
  'docker-config',
  'credential-helper'
] as const

export type InputName = (typeof INPUT_NAMES)[number]

/** `default`: DOCKER_CONFIG or ~/.docker; `job`: a private copy for this job, removed at its end. */
export type DockerConfigMode = 'default' | 'job'

export interface WebIdentitySettings {
  roleArn: string
  audience: string
  sessionName: string
  durationSeconds: number
}

export interface Inputs {
  /** Set when the step assumes a role with GitHub's OIDC token; else the SDK's default chain. */
  webIdentity?: WebIdentitySettings
  /** The region for STS and for account IDs; undefined when every registry is a full host. */
  region?: string
  registries: Registry[]
  maskPassword: boolean
  /** Whether the post step logs out (`logout` true and `skip-logout` false). */
  logout: boolean
  /** The http-proxy input, else the proxy variables of the environment. */
  proxy: ProxyConfig
  /** How many times a transient failure is tried (throttling is tried until the deadline). */
  retryMaxAttempts: number
  timeoutSeconds: number
  dockerConfig: DockerConfigMode
  /** credential-helper: a credential agent holds the passwords in memory; docker asks it through a helper. */
  credentialHelper: boolean
}

type GetInput = (name: InputName) => string

// The one input that is a list, one entry per line: line breaks and tabs are its separators and padding.
const MULTI_LINE: readonly InputName[] = ['registries']
const LIST_WHITESPACE = /[\n\r\t]/g

/**
 * Refuses a value holding a control character (a line break in a one-line input, an escape…): it
 * would start a new log line, which the runner reads as a command. The value itself is not quoted.
 */
function refuseControlCharacters(name: InputName, value: string, multiLine: boolean): string {
  const found = findControlCharacter(multiLine ? value.replace(LIST_WHITESPACE, ' ') : value)
  if (found) {
    throw new InputError(
      `${name}: the value holds a control character (${found.written} at character ${found.index + 1}). ` +
        `Give it on one line${multiLine ? ' per entry' : ''}, without control characters: check the expression ` +
        `or variable that sets it.`
    )
  }
  return value
}

/** Every input, read once and checked for control characters before any is used. */
function readChecked(getInput: GetInput): GetInput {
  const values = Object.fromEntries(
    INPUT_NAMES.map(name => [name, refuseControlCharacters(name, getInput(name), MULTI_LINE.includes(name))])
  ) as Record<InputName, string>
  return name => values[name]
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/

function parseBoolean(name: InputName, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  // The YAML 1.2 core schema's spellings, as core.getBooleanInput accepts.
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(`${name}: '${logText(value)}' is not a boolean. Use true or false.`)
}

function parseInteger(name: InputName, value: string, fallback: number, min: number, max: number): number {
  if (value === '') return fallback
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(`${name}: '${logText(value)}' is not a whole number from ${min} to ${max}.`)
  }
  return Number(value)
}

/** A session name that CloudTrail can trace back to the run: `gha-<owner>.<repo>-<run id>-<attempt>`. */
export function defaultSessionName(env: NodeJS.ProcessEnv): string {
  const suffix = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT].filter(Boolean).join('-')
  const repository = (env.GITHUB_REPOSITORY ?? '').replace('/', '.').replace(/[^\w+=,.@-]/g, '-')
  const tail = suffix ? `-${suffix}` : ''
  const head = `gha-${repository}`.slice(0, 64 - tail.length).replace(/[-.]+$/, '')
  const name = `${head}${tail}`
  return SESSION_NAME.test(name) && repository ? name : 'gha-ecr-login'
}

function readRegion(getInput: GetInput, env: NodeJS.ProcessEnv): string | undefined {
  const candidates: [string, string | undefined][] = [
    ['aws-region', getInput('aws-region')],
    ['AWS_REGION', env.AWS_REGION?.trim()],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION?.trim()]
  ]
  const found = candidates.find(([, value]) => value)
  if (!found) return undefined
  const [source, region] = found as [string, string]
  if (!isValidRegion(region)) {
    const where = source === 'aws-region' ? 'aws-region' : `aws-region (taken from ${source})`
    throw new InputError(`${where}: '${logText(region)}' is not an AWS region. Use a region code such as eu-west-1.`)
  }
  return region
}

function readWebIdentity(getInput: GetInput, env: NodeJS.ProcessEnv): WebIdentitySettings | undefined {
  const roleArn = getInput('role-to-assume')
  if (!roleArn) return undefined
  if (!ROLE_ARN.test(roleArn)) {
    throw new InputError(
      `role-to-assume: '${logText(roleArn)}' is not an IAM role ARN. Use arn:aws:iam::<12-digit account>:role/<name> ` +
        `(arn:aws-us-gov:… or arn:aws-cn:… in those partitions).`
    )
  }
  const sessionName = getInput('role-session-name') || defaultSessionName(env)
  if (!SESSION_NAME.test(sessionName)) {
    throw new InputError(
      `role-session-name: '${logText(sessionName)}' is not a valid session name. Use 2 to 64 characters of ` +
        `letters, digits and + = , . @ _ -.`
    )
  }
  return {
    roleArn,
    audience: getInput('audience') || 'sts.amazonaws.com',
    sessionName,
    durationSeconds: parseInteger('role-duration-seconds', getInput('role-duration-seconds'), 900, 900, 43200)
  }
}

function readRegistryType(getInput: GetInput): 'private' | 'public' {
  const written = getInput('registry-type')
  const value = written.toLowerCase() || 'private'
  if (value !== 'private' && value !== 'public') {
    throw new InputError(`registry-type: '${logText(written)}' is not a registry type. Use private or public.`)
  }
  return value
}

function readDockerConfigMode(getInput: GetInput): DockerConfigMode {
  const written = getInput('docker-config')
  const value = written.toLowerCase() || 'default'
  if (value !== 'default' && value !== 'job') {
    throw new InputError(
      `docker-config: '${logText(written)}' is not a docker config mode. Use default (DOCKER_CONFIG or ~/.docker) or ` +
        `job (a private copy for this job, removed at its end).`
    )
  }
  return value
}

/** Reads and validates every input. Throws InputError naming the first bad one. */
export function readInputs(
  readInput: GetInput = name => core.getInput(name),
  env: NodeJS.ProcessEnv = process.env
): Inputs {
  const httpProxy = readInput('http-proxy') || undefined
  // First, before anything can print: a proxy password, in any shape.
  maskProxyCredentials(httpProxy, env)
  const getInput = readChecked(readInput)
  const webIdentity = readWebIdentity(getInput, env)
  const region = readRegion(getInput, env)
  const registryType = readRegistryType(getInput)
  const entries = splitRegistryList(getInput('registries'))
  if (registryType === 'public' && entries.length > 0) {
    core.warning(
      'registries is ignored when registry-type is public (as in amazon-ecr-login): logging in to public.ecr.aws.'
    )
  }
  const logout = parseBoolean('logout', getInput('logout'), true)
  const skipLogout = parseBoolean('skip-logout', getInput('skip-logout'), false)
  const credentialHelper = parseBoolean('credential-helper', getInput('credential-helper'), false)
  if (credentialHelper && (!logout || skipLogout)) {
    core.warning('credential-helper is true: the login ends with the job whatever logout and skip-logout say.')
  }
  return {
    webIdentity,
    region,
    registries: selectRegistries({ entries, registryType, region }),
    // No password output in that mode: nothing to leave unmasked.
    maskPassword: parseBoolean('mask-password', getInput('mask-password'), true) || credentialHelper,
    logout: logout && !skipLogout,
    proxy: resolveProxy(httpProxy, env),
    retryMaxAttempts: parseInteger('retry-max-attempts', getInput('retry-max-attempts'), 5, 1, 20),
    timeoutSeconds: parseInteger('timeout-seconds', getInput('timeout-seconds'), 120, 1, 3600),
    dockerConfig: readDockerConfigMode(getInput),
    credentialHelper
  }
}
