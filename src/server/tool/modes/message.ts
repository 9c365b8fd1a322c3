import { handoffRequest } from "../../../core/book.js"
import { excerpt } from "../../../core/format.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import { words } from "../../words/index.js"
import type { Done, ToolServices } from "./services.js"

type HandoffServices = Pick<ToolServices, "book" | "notifier">

/** `message`: queues `text` for `agent` in this session: it joins the caller's turn as its answer ends, or comes when the turn has ended. */
export function message({ book, notifier }: HandoffServices, call: Call): Done {
  book.enqueue(handoffRequest(call, "message"))
  notifier.info(`${call.callerAgent} → ${call.agent}: ${excerpt(call.text, 60)}`)
  const position = book.pending(call.sessionID).length
  return {
    text: words.result.message(call.agent, position),
    record: { kind: "handoff", v: PROTOCOL, fromAgent: call.callerAgent, mode: "message", agent: call.agent, model: call.model },
  }
}

/** `compact`: when the caller's answer ends, the session is compacted, then `agent` continues with `text`. */
export function compact({ book, notifier }: HandoffServices, call: Call): Done {
  book.enqueue({ ...handoffRequest(call, "compact"), summaryModel: call.callerModel })
  notifier.info(`${call.callerAgent} → compact → ${call.agent}: ${excerpt(call.text, 50)}`)
  return {
    text: words.result.compact(call.agent),
    record: {
      kind: "handoff",
      v: PROTOCOL,
      fromAgent: call.callerAgent,
      mode: "compact",
      agent: call.agent,
      model: call.model,
      summaryModel: call.callerModel,
    },
  }
}
