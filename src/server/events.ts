import type { Event } from "@opencode-ai/sdk"
import type { Delivery } from "./delivery.js"
import { describeError } from "./errors.js"
import type { HandoffBook } from "../core/book.js"
import type { Opencode } from "./opencode/client.js"

/**
 * What the plugin does with OpenCode's events, in the order OpenCode publishes them. Idle may
 * arrive twice, and `session.idle` repeats `session.status` idle: the delivery chain's claim
 * makes that harmless. Status "retry" counts as busy: the turn is still running.
 */
export function handleEvent(event: Event, book: HandoffBook, delivery: Delivery, opencode: Opencode): void {
  switch (event.type) {
    case "session.status":
      if (event.properties.status.type === "idle") {
        book.markIdle(event.properties.sessionID)
        delivery.kick(event.properties.sessionID)
      } else book.markBusy(event.properties.sessionID)
      return
    case "session.idle":
      book.markIdle(event.properties.sessionID)
      delivery.kick(event.properties.sessionID)
      return
    // An abort shows as an assistant message that ends with MessageAbortedError. OpenCode
    // 1.18.33 does not always publish session.error for it (not when a stream is cut), so
    // both are watched; cancelling twice drops nothing the second time.
    case "message.updated": {
      const info = event.properties.info
      if (info.role === "assistant" && info.error?.name === "MessageAbortedError") delivery.cancel(info.sessionID)
      return
    }
    case "session.error":
      if (event.properties.sessionID && event.properties.error?.name === "MessageAbortedError") {
        delivery.cancel(event.properties.sessionID)
      }
      return
    case "session.deleted":
      book.forget(event.properties.info.id)
      // What the plugin still holds, for anyone checking it does not grow (see the benchmark).
      opencode.log("debug", "session deleted; state released", { sessionID: event.properties.info.id, ...book.size(), held: book.heldSessions().join(",") }).catch(
        (error: unknown) => console.error(`opencode-sessions: could not log: ${describeError(error)}`),
      )
      return
  }
}
