import { excerpt } from "../../../core/format.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { handoffRequest } from "../handoff-request.js"
import { words } from "../words/index.js"

/** Queues `text` for `agent` in this session: it joins the caller's turn as its answer ends, or comes when the turn has ended. */
export function message({ book, notifier }: Pick<Services, "book" | "notifier">, call: Call): Done {
  book.enqueue(handoffRequest(call, "message"))
  notifier.info(`${call.callerAgent} → ${call.agent}: ${excerpt(call.text, 60)}`)
  const position = book.pending(call.sessionID).length
  return {
    text: words.result.message(call.agent, position),
    record: { kind: "handoff", v: PROTOCOL, fromAgent: call.callerAgent, mode: "message", agent: call.agent, model: call.model },
  }
}
