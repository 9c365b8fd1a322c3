import { PROTOCOL } from "../../../core/protocol.js"
import type { Call, Launched } from "../../../core/types.js"
import type { Done } from "../done.js"
import { startedResult } from "../words/index.js"

/** What `new` and `fork` did: the words for the model, and the record of the session started (and whether it waits for a place). */
export function startedDone(call: Call, mode: "new" | "fork", session: { id: string; title: string }, launched: Launched): Done {
  return {
    text: startedResult({ sessionID: session.id, title: session.title, agent: call.agent, mode, report: call.report }, launched),
    record: {
      kind: "started",
      v: PROTOCOL,
      fromAgent: call.callerAgent,
      session: session.id,
      mode,
      agent: call.agent,
      report: call.report,
      model: call.model,
      waiting: launched.kind === "waiting",
      isolated: call.isolation !== undefined,
    },
  }
}
