import { describeError, OpencodeCallError, SessionToolError } from "../errors.js"
import { sessionTitle } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"

function forkRefused(why: string): SessionToolError {
  return new SessionToolError(`session: ${why}. Use mode new instead (it starts without this conversation's history).`)
}

/**
 * Copies this conversation up to, not including, the caller's current message (so the fork
 * never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher, notifier, host, placement }: Services, call: Call): Promise<string> {
  const missing = host.whyMissing("fork")
  if (missing) throw forkRefused(missing)
  const forking = opencode.forkSession(call.sessionID, call.messageID).catch((error: unknown) => {
    // A release without the fork route answers 404: say so once, and refuse forks from then on.
    if (!(error instanceof OpencodeCallError) || error.status !== 404) throw error
    host.lacks("fork", "OpenCode answered 404 to POST /session/{id}/fork")
    throw forkRefused(host.whyMissing("fork")!)
  })
  const { session, isolation } = await placement.started(forking, call.isolation, call.messageID)
  const title = sessionTitle("fork", call.agent, call.text)
  const result = await launcher.launch(call, "fork", { ...session, title }, isolation)
  // Titled once its first message is in, off the path of that message. The fork works
  // without our title (OpenCode's own, "… (fork #N)", stays): a failure is only a warning.
  opencode.setTitle(session.id, title).catch((error: unknown) => {
    notifier.warn(`Could not title the fork ${session.id}: ${describeError(error)}`, { sessionID: session.id })
  })
  return result
}
