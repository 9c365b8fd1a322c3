import { sessionTitle } from "../../../core/format.js"
import type { Call } from "../../../core/types.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { startedDone } from "./started.js"

/** Starts a clean session (none of the caller's history) whose first message is `text`. */
export async function newSession({ opencode, launcher, placement }: Pick<Services, "opencode" | "launcher" | "placement">, call: Call): Promise<Done> {
  const { session, isolation } = await placement.started(opencode.createSession(sessionTitle("new", call.agent, call.text)), call.isolation, call.messageID)
  const launched = await launcher.launch(call, "new", session, isolation)
  return startedDone(call, "new", session, launched)
}
