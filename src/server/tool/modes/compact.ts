import { excerpt } from "../../../core/format.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { words } from "../words/index.js"

/** When the caller's answer ends: compact the session, then `agent` continues with `text`. */
export function compact({ book, notifier }: Pick<Services, "book" | "notifier">, call: Call): Done {
  book.enqueue({
    kind: "compact",
    sessionID: call.sessionID,
    agent: call.agent,
    text: call.text,
    model: call.model,
    summaryModel: call.callerModel,
    from: { agent: call.callerAgent, sessionID: call.sessionID },
    call: call.messageID,
    callID: call.callID,
  })
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
