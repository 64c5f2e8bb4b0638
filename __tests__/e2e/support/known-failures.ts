// Scenarios written for a fix that has not landed yet. Each flag names its issue and the part of
// the fix; the commit that lands that part sets it to true, and its scenarios become plain tests.
// Until then each such scenario runs and must fail for the reason the issue gives: one that passes
// (the fix is in, flip the flag) or fails for another reason (a broken scenario) fails the suite.

import { expect, it } from 'vitest'

const FIXED = {
  /** Issue 16, "Every Node 24 a runner ships": the step's proxy on Node 24.4.0 (no Agent `proxyEnv`). */
  issue16ProxyOnOldestNode24: true,
  /** Issue 16, "No ECR password ever goes to a store docker chose by itself". */
  issue16NoPasswordInDetectedStore: true
}

type Scenario = () => Promise<void>
type Flag = keyof typeof FIXED

/**
 * `it`, once FIXED[flag] is true or when the scenario is not `affected`; before, a test (its name
 * marked "fails until …") that passes only when the scenario fails with a message matching
 * `failure`, what the issue reports today.
 */
export function itOnceFixed(
  flag: Flag,
  failure: RegExp,
  affected = true
): (name: string, scenario: Scenario, timeout?: number) => void {
  if (FIXED[flag] || !affected) return (name, scenario, timeout) => it(name, scenario, timeout)
  const issue = flag.replace(/^issue(\d+).*$/, 'issue $1')
  return (name, scenario, timeout) =>
    it(
      `${name} [fails until ${issue} is fixed]`,
      async () => {
        let error: unknown
        try {
          await scenario()
        } catch (thrown) {
          error = thrown
        }
        if (error === undefined) {
          throw new Error(
            `It passes: if the fix for ${issue} is in, set FIXED.${flag} to true in support/known-failures.ts.`
          )
        }
        const message = error instanceof Error ? error.message : JSON.stringify(error)
        expect(message, `it fails, but not as ${issue} reports`).toMatch(failure)
      },
      timeout
    )
}
