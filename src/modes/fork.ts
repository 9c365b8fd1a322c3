import { sessionTitle } from "../handoff/format.js"
import type { Call, Services } from "../tool/call.js"

/**
 * Copies this conversation up to, not including, the caller's current message (so the fork
 * never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher }: Services, call: Call): Promise<string> {
  const session = await opencode.forkSession(call.sessionID, call.messageID)
  const title = sessionTitle("fork", call.agent, call.text)
  await opencode.setTitle(session.id, title)
  return launcher.launch(call, "fork", { ...session, title })
}
