import { sessionTitle } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"
import { startedResult } from "../tool/words.js"

/** Starts a clean session (none of the caller's history) whose first message is `text`. */
export async function newSession({ opencode, launcher, placement }: Pick<Services, "opencode" | "launcher" | "placement">, call: Call): Promise<string> {
  const { session, isolation } = await placement.started(opencode.createSession(sessionTitle("new", call.agent, call.text)), call.isolation, call.messageID)
  const launched = await launcher.launch(call, "new", session, isolation)
  return startedResult({ sessionID: session.id, title: session.title, agent: call.agent, mode: "new", report: call.report }, launched)
}
