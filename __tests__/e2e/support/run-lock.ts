// One e2e run at a time per machine: the fault-injecting front takes [::1]:443 (see
// FAULTY_FRONT_ADDRESS), the one address two runs cannot share. A second run waits here for the
// first; a lock whose owner is gone is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const LOCK = join(tmpdir(), 'ecr-login-e2e.lock')

function ownerAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0)
    return true
  } catch {
    return false
  }
}

/** Waits (at most `maxWaitMs`) until no other run holds the lock, takes it, and returns its release. */
export async function acquireRunLock(maxWaitMs = 30 * 60_000): Promise<() => void> {
  const until = Date.now() + maxWaitMs
  let said = false
  for (;;) {
    try {
      mkdirSync(LOCK)
      writeFileSync(join(LOCK, 'pid'), String(process.pid))
      return () => rmSync(LOCK, { recursive: true, force: true })
    } catch {
      // Held, or half-made by an owner that died between mkdir and writing its pid.
      await sleep(500)
      if (!ownerAlive()) {
        rmSync(LOCK, { recursive: true, force: true })
        continue
      }
      if (Date.now() > until) throw new Error(`another e2e run still holds ${LOCK} after ${maxWaitMs / 1000} s`)
      if (!said) process.stdout.write(`waiting for another e2e run on this machine to end (${LOCK})\n`)
      said = true
    }
  }
}
