import { sessionTitle } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"

/** Starts a clean session (none of the caller's history) whose first message is `text`. */
export async function newSession({ opencode, launcher, placement }: Services, call: Call): Promise<string> {
  const { session, isolation } = await placement.started(opencode.createSession(sessionTitle("new", call.agent, call.text)), call.isolation, call.messageID)
  return launcher.launch(call, "new", session, isolation)
}
