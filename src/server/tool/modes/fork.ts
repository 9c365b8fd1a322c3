import { OpencodeCallError, SessionToolError } from "../../errors.js"
import { sessionTitle } from "../../../core/format.js"
import type { Call } from "../../../core/types.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { words } from "../words/index.js"
import { startedDone } from "./started.js"

function forkRefused(why: string): SessionToolError {
  return new SessionToolError(words.refusal.forkUnavailable(why))
}

/**
 * Copies this conversation up to, not including, the caller's current message (so the fork
 * never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher, host, placement }: Pick<Services, "opencode" | "launcher" | "host" | "placement">, call: Call): Promise<Done> {
  const missing = host.whyMissing("fork")
  if (missing) throw forkRefused(missing)
  const forking = opencode.forkSession(call.sessionID, call.messageID).catch((error: unknown) => {
    // A release without the fork route answers 404: say so once, and refuse forks from then on.
    if (!(error instanceof OpencodeCallError) || error.status !== 404) throw error
    host.lacks("fork", "OpenCode answered 404 to POST /session/{id}/fork")
    throw forkRefused(host.whyMissing("fork")!)
  })
  const { session, isolation } = await placement.started(forking, call.isolation, call.messageID)
  // OpenCode titles a fork "… (fork #N)": ours replaces it once the fork's turn is under way.
  const title = sessionTitle("fork", call.agent, call.text)
  const launched = await launcher.launch(call, "fork", { ...session, title }, isolation, { retitle: true })
  return startedDone(call, "fork", { id: session.id, title }, launched)
}
