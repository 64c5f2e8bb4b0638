// After ecr-login's post step: no ECR login may be left in a docker config.json or in an OS
// credential store, and the decoy docker in the workspace must never have run. Plain Node, no
// dependencies: this runs from the checkout, as `uses: ./.github/actions/check-after-post`.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const ECR_HOST = /\.dkr\.ecr\.|\.dkr-ecr\.|public\.ecr\.aws|ecr-public\.aws\.com/i
const problems = []
const say = line => process.stdout.write(`${line}\n`)

// docker's config folders: DOCKER_CONFIG (a `docker-config: job` copy is gone by now) and the user's.
const dirs = [process.env.DOCKER_CONFIG, join(homedir(), '.docker')]
if (process.env.USERPROFILE) dirs.push(join(process.env.USERPROFILE, '.docker'))
for (const dir of new Set(dirs.filter(Boolean))) {
  const file = join(dir, 'config.json')
  if (!existsSync(file)) {
    say(`${file}: none`)
    continue
  }
  const config = JSON.parse(readFileSync(file, 'utf8'))
  const left = Object.keys(config.auths ?? {}).filter(host => ECR_HOST.test(host))
  say(`${file}: auths ${JSON.stringify(Object.keys(config.auths ?? {}))}, credsStore ${config.credsStore ?? 'none'}`)
  if (left.length > 0) problems.push(`${file} still holds ${left.join(', ')}`)
}

/** A command's output, or undefined when it is not there or fails. */
function output(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 })
  } catch {
    return undefined
  }
}

// Windows' credential manager, where docker-credential-wincred keeps what docker gives it.
if (process.platform === 'win32') {
  const targets = (output('cmdkey', ['/list']) ?? '').split(/\r?\n/).filter(line => /target:/i.test(line))
  say(`cmdkey /list: ${targets.length} credential(s)`)
  const left = targets.filter(line => ECR_HOST.test(line))
  if (left.length > 0) problems.push(`cmdkey /list still holds ${left.map(line => line.trim()).join('; ')}`)
}

// Every OS store docker may pick or be told to use, where its helper is installed.
for (const store of ['wincred', 'osxkeychain', 'desktop', 'secretservice', 'pass']) {
  const list = output(`docker-credential-${store}`, ['list'])
  if (list === undefined) continue
  const left = Object.keys(JSON.parse(list || '{}')).filter(host => ECR_HOST.test(host))
  say(`docker-credential-${store} list: ${left.length} ECR entr${left.length === 1 ? 'y' : 'ies'}`)
  if (left.length > 0) problems.push(`docker-credential-${store} still holds ${left.join(', ')}`)
}

const decoyRecord = process.env['INPUT_DECOY-RECORD']
if (decoyRecord) {
  if (existsSync(decoyRecord)) {
    problems.push(`the decoy docker in the workspace ran: ${readFileSync(decoyRecord, 'utf8').trim()}`)
  } else say('The decoy docker in the workspace never ran.')
}

for (const problem of problems) say(`::error::${problem}`)
if (problems.length > 0) process.exitCode = 1
else say('No ECR login is left behind.')
