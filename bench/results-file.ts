// bench/RESULTS.md is written by more than one bench: each owns its `## ` sections and keeps the
// others' as they are.

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../__tests__/e2e/support/runner.js'

export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'RESULTS.md')

function bounds(markdown: string, heading: string): { start: number; end: number } | undefined {
  const start = markdown.search(new RegExp(`^## ${heading}$`, 'm'))
  if (start < 0) return undefined
  const next = markdown.slice(start + 1).search(/^## /m)
  return { start, end: next < 0 ? markdown.length : start + 1 + next }
}

/** The `## heading` section of RESULTS.md (up to the next `## ` heading), or '' when there is none. */
export function readSection(heading: string): string {
  const markdown = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : ''
  const found = bounds(markdown, heading)
  return found ? markdown.slice(found.start, found.end) : ''
}

/** Puts `section` (starting with `## heading`) in place of the old one, or at the end; keeps the rest. */
export function writeSection(heading: string, section: string): void {
  const markdown = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : ''
  const found = bounds(markdown, heading)
  const text = `${section.trimEnd()}\n`
  const updated = found
    ? markdown.slice(0, found.start) + text + (found.end < markdown.length ? '\n' : '') + markdown.slice(found.end)
    : `${markdown.trimEnd()}\n\n${text}`
  writeFileSync(RESULTS_FILE, updated)
}
