import { sessionTitle } from "../handoff/format.js"
import type { Call, Services } from "../tool/call.js"

/** Starts a clean session (none of the caller's history) whose first message is `text`. */
export async function newSession({ opencode, launcher }: Services, call: Call): Promise<string> {
  const session = await opencode.createSession(sessionTitle("new", call.agent, call.text))
  return launcher.launch(call, "new", session)
}
