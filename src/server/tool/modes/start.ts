import { sessionTitle } from "../../../core/format.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call, Launched } from "../../../core/types.js"
import { OpencodeCallError, SessionToolError } from "../../host/errors.js"
import { startedResult, words } from "../../words/index.js"
import type { Done, ToolServices } from "./services.js"

type StartServices = Pick<ToolServices, "opencode" | "launcher" | "host" | "placement">

/** `new`: a clean session (none of the caller's history) whose first message is `text`. */
export async function newSession({ opencode, launcher, placement }: StartServices, call: Call): Promise<Done> {
  const { session, isolation } = await placement.started(
    opencode.createSession(sessionTitle("new", call.agent, call.text, call.name)),
    call.isolation,
    call.messageID,
  )
  const launched = await launcher.launch(call, "new", session, isolation)
  return startedDone(call, "new", session, launched)
}

function forkRefused(why: string): SessionToolError {
  return new SessionToolError(words.refusal.forkUnavailable(why))
}

/**
 * `fork`: copies this conversation up to, not including, the caller's current message (so the
 * fork never holds a half-finished `session` call), then `text` is the fork's next message.
 */
export async function fork({ opencode, launcher, host, placement }: StartServices, call: Call): Promise<Done> {
  const missing = host.whyMissing("fork")
  if (missing) throw forkRefused(missing)
  const forking = opencode.forkSession(call.sessionID, call.messageID).catch((error: unknown) => {
    // A release without the fork route answers 404: say so once, and refuse forks from then on.
    if (!(error instanceof OpencodeCallError) || error.status !== 404) throw error
    host.lacks("fork", "OpenCode answered 404 to POST /session/{id}/fork")
    throw forkRefused(host.whyMissing("fork") ?? why404)
  })
  const { session, isolation } = await placement.started(forking, call.isolation, call.messageID)
  // OpenCode titles a fork "… (fork #N)": ours replaces it once the fork's turn is under way.
  const title = sessionTitle("fork", call.agent, call.text, call.name)
  const launched = await launcher.launch(call, "fork", { ...session, title }, isolation, { retitle: true })
  return startedDone(call, "fork", { id: session.id, title }, launched)
}

const why404 = "OpenCode answered 404 to POST /session/{id}/fork"

/** What `new` and `fork` did: the words for the model, and the record of the session started (and whether it waits for a place). */
function startedDone(call: Call, mode: "new" | "fork", session: { id: string; title: string }, launched: Launched): Done {
  return {
    text: startedResult(
      { sessionID: session.id, title: session.title, agent: call.agent, mode, report: call.report, ...(call.name ? { name: call.name } : {}) },
      launched,
    ),
    record: {
      kind: "started",
      v: PROTOCOL,
      fromAgent: call.callerAgent,
      session: session.id,
      mode,
      agent: call.agent,
      report: call.report,
      model: call.model,
      waiting: launched.kind === "waiting" || launched.kind === "after",
      isolated: call.isolation !== undefined,
      ...(call.name ? { name: call.name } : {}),
      ...(call.after?.length ? { after: call.after } : {}),
    },
  }
}
