import { excerpt } from "../../core/format.js"
import type { Call } from "../../core/types.js"
import type { Services } from "../services.js"
import { words } from "../tool/words.js"

/** Queues `text` for `agent` in this session; it is delivered when the caller's turn has ended. */
export function message({ book, notifier }: Services, call: Call): string {
  book.enqueue({
    kind: "message",
    sessionID: call.sessionID,
    agent: call.agent,
    text: call.text,
    model: call.model,
    from: { agent: call.callerAgent, sessionID: call.sessionID },
    call: call.messageID,
  })
  notifier.info(`${call.callerAgent} → ${call.agent}: ${excerpt(call.text, 60)}`)
  const position = book.pending(call.sessionID).length
  return words.result.message(call.agent, position)
}
