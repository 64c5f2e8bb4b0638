// Which build of the action a bench runs: this tree, the action.yml and dist/ of a commit, or a
// dist/ folder of its own, so that two builds can be measured side by side in one run.

import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { REPO_ROOT } from '../__tests__/e2e/support/runner.js'

export interface ActionSource {
  /** The action folder (action.yml, dist/) for Job.uses. */
  dir: string
  /** Where it comes from, for the report. */
  origin: string
  cleanup(): void
}

function git(...args: string[]): string {
  return execFileSync('git', ['-C', REPO_ROOT, ...args], { encoding: 'utf8' }).trim()
}

/** This tree: its action.yml and dist/ as they are now. */
export function worktreeAction(): ActionSource {
  const head = git('rev-parse', '--short', 'HEAD')
  const changed = git('status', '--porcelain', '--', 'action.yml', 'dist') !== ''
  return {
    dir: REPO_ROOT,
    origin: `this tree (HEAD ${head}${changed ? ', dist/ or action.yml changed since' : ', dist/ as committed'})`,
    cleanup: () => undefined
  }
}

/** action.yml and dist/ as they were at `rev`. */
export function actionAtRev(rev: string): ActionSource {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-rev-'))
  const archive = execFileSync('git', ['-C', REPO_ROOT, 'archive', rev, 'action.yml', 'dist'])
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  return {
    dir,
    origin: `dist/ of ${git('rev-parse', '--short', `${rev}^{commit}`)}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** An action folder (with action.yml), or a dist/ folder run with this tree's action.yml. */
export function actionWithDist(path: string): ActionSource {
  const given = resolve(path)
  if (existsSync(join(given, 'action.yml'))) return { dir: given, origin: given, cleanup: () => undefined }
  if (!existsSync(join(given, 'main', 'index.js')))
    throw new Error(`--dist ${path}: neither an action folder (action.yml) nor a dist/ folder (main/index.js)`)
  const dir = mkdtempSync(join(tmpdir(), 'ecr-login-dist-'))
  copyFileSync(join(REPO_ROOT, 'action.yml'), join(dir, 'action.yml'))
  symlinkSync(given, join(dir, 'dist'))
  return {
    dir,
    origin: `${given} with this tree's action.yml`,
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
