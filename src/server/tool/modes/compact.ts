import { excerpt } from "../../../core/format.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { handoffRequest } from "../handoff-request.js"
import { words } from "../words/index.js"

/** When the caller's answer ends: compact the session, then `agent` continues with `text`. */
export function compact({ book, notifier }: Pick<Services, "book" | "notifier">, call: Call): Done {
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
