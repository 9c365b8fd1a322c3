import { excerpt } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"
import { words } from "../tool/words.js"

/** When the caller's turn has ended: compact the session, then `agent` continues with `text`. */
export function compact({ book, notifier }: Services, call: Call): string {
  book.enqueue({
    kind: "compact",
    sessionID: call.sessionID,
    agent: call.agent,
    text: call.text,
    model: call.model,
    summaryModel: call.callerModel,
    from: { agent: call.callerAgent, sessionID: call.sessionID },
    call: call.messageID,
  })
  notifier.info(`${call.callerAgent} → compact → ${call.agent}: ${excerpt(call.text, 50)}`)
  return words.result.compact(call.agent)
}
