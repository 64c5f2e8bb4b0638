// credential-helper: true, as the post step sees it: the config's entries put back, then the agent
// stopped and its folder removed. It warns, never throws.

import * as core from '@actions/core'
import { rmSync } from 'node:fs'
import { removeHelperEntries } from './credential-config.js'
import { AgentUnreachable, askAgent, HELPER_PROGRAM, readEndpoint } from './credential-protocol.js'
import { messageOf } from './errors.js'
import { logText } from './log-text.js'
import type { CredentialAgentState } from './state.js'

/** Puts back the config's entries, then stops the agent and removes its folder. */
export async function stopCredentialAgent(state: CredentialAgentState): Promise<void> {
  try {
    const hosts = removeHelperEntries(state)
    if (hosts.length > 0) core.info(`Removed ${HELPER_PROGRAM} from ${logText(state.file)} for ${hosts.join(', ')}`)
  } catch (error) {
    core.warning(
      `Could not remove the credential helper's entries from ${logText(state.file)}: ${logText(messageOf(error))}`
    )
  }
  const endpoint = readEndpoint(state.dir)
  try {
    if (!endpoint) throw new AgentUnreachable('its endpoint file is gone')
    await askAgent(endpoint, { action: 'stop' }, { connectMs: 2000, answerMs: 5000 })
    core.info('Stopped the credential agent: no process holds the ECR passwords any more.')
  } catch (error) {
    const why = logText(messageOf(error))
    core.warning(
      error instanceof AgentUnreachable
        ? `The credential agent had already ended (${why}); nothing holds the ECR passwords any more.`
        : `The credential agent did not stop when asked (${why}); it ends by itself once the job's runner process is gone.`
    )
  }
  rmSync(state.dir, { recursive: true, force: true })
}
