import { describeError } from "../errors.js"
import { sessionTitle } from "../handoff/format.js"
import type { Call, Services } from "../tool/call.js"

/**
 * Copies this conversation up to, not including, the caller's current message (so the fork
 * never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher, notifier }: Services, call: Call): Promise<string> {
  const session = await opencode.forkSession(call.sessionID, call.messageID)
  const title = sessionTitle("fork", call.agent, call.text)
  // Titled while its first turn starts: the fork works without our title (OpenCode's own,
  // "… (fork #N)", stays), so a failure is only worth a warning.
  const titling = opencode.setTitle(session.id, title).catch((error: unknown) => {
    notifier.warn(`Could not title the fork ${session.id}: ${describeError(error)}`, { sessionID: session.id })
  })
  const [result] = await Promise.all([launcher.launch(call, "fork", { ...session, title }), titling])
  return result
}
