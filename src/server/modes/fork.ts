import { describeError } from "../errors.js"
import { sessionTitle } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"

/**
 * Copies this conversation up to, not including, the caller's current message (so the fork
 * never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher, notifier }: Services, call: Call): Promise<string> {
  const session = await opencode.forkSession(call.sessionID, call.messageID)
  const title = sessionTitle("fork", call.agent, call.text)
  const result = await launcher.launch(call, "fork", { ...session, title })
  // Titled once its first message is in, off the path of that message. The fork works
  // without our title (OpenCode's own, "… (fork #N)", stays): a failure is only a warning.
  opencode.setTitle(session.id, title).catch((error: unknown) => {
    notifier.warn(`Could not title the fork ${session.id}: ${describeError(error)}`, { sessionID: session.id })
  })
  return result
}
