import { deliveredMarker, type HandoffBook } from "../../core/book.js"
import { excerpt } from "../../core/format.js"
import { answerText, endedBy, errorText } from "../../core/outcome.js"
import { markerMetadata, reportKey } from "../../core/protocol.js"
import type { Handoff } from "../../core/types.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { deliveredText, type Wording } from "../words/index.js"

/**
 * Delivers queued hand-offs once a session's turn has ended (reports, follow-ups to an idle
 * started session, and hand-offs that could not join the turn, see joiner.ts): one chain per session, one hand-off per turn, in the order
 * they were queued. A chain waits for each delivered turn to end (a blocking prompt) before it
 * sends the next, and stops while any other turn runs in the session (the lifecycle says), so
 * a hand-off never cuts into a turn.
 */
export class Delivery {
  private stopped = false

  constructor(private readonly deps: { opencode: Opencode; book: HandoffBook; lifecycle: Lifecycle; notifier: Notifier; wording?: Wording }) {}

  /** The session went idle, or something was queued for it from elsewhere (a report). */
  kick(sessionID: string): void {
    if (!this.stopped && this.deps.book.claim(sessionID, this.deps.lifecycle.isRunning(sessionID))) void this.drain(sessionID)
  }

  /** OpenCode is unloading this copy of the plugin: what is queued is left to the next copy (state/recovery.ts), none sent twice. */
  stop(): void {
    this.stopped = true
  }

  /** The person aborted a turn: what was queued in that session is dropped, and said so. */
  cancel(sessionID: string, alsoDropped: readonly Handoff[] = []): void {
    const dropped = [...alsoDropped, ...this.deps.book.abort(sessionID)]
    if (dropped.length === 0) return
    for (const handoff of dropped)
      if (handoff.followUp) this.deps.lifecycle.change(sessionID, { type: "dropped", key: reportKey(sessionID, handoff.followUp.id) })
    const what = dropped.map((handoff) => `${handoff.kind} → ${handoff.agent}`).join(", ")
    this.deps.notifier.warn(`Interrupted: dropped ${dropped.length} queued hand-off${dropped.length > 1 ? "s" : ""} (${what}).`, {
      sessionID,
    })
  }

  private async drain(sessionID: string): Promise<void> {
    const { book, lifecycle, notifier } = this.deps
    try {
      for (let handoff = book.takeNext(sessionID, lifecycle.isRunning(sessionID)); handoff && !this.stopped;) {
        await this.deliver(handoff)
        handoff = book.takeNext(sessionID, lifecycle.isRunning(sessionID))
      }
    } catch (error) {
      book.release(sessionID)
      notifier.error(`Hand-off delivery in ${sessionID} stopped: ${describeError(error)}`, { sessionID })
    }
  }

  private async deliver(handoff: Handoff): Promise<void> {
    const { opencode, lifecycle, notifier } = this.deps
    const { sessionID } = handoff
    // A follow-up's turn begins with its delivery: the session runs from now on.
    if (handoff.followUp) lifecycle.change(sessionID, { type: "delivered", key: reportKey(sessionID, handoff.followUp.id) })
    try {
      if (handoff.kind === "compact" && !handoff.summarized) {
        if (!handoff.summaryModel) throw new Error("no model to write the summary with")
        await opencode.summarize(sessionID, handoff.summaryModel)
        notifier.info(`Compacted ${sessionID}; ${handoff.agent} continues.`)
      }
      const answer = await opencode.prompt(sessionID, {
        agent: handoff.agent,
        text: deliveredText(handoff, this.deps.wording),
        model: handoff.model,
        metadata: markerMetadata(deliveredMarker(handoff)),
      })
      lifecycle.answered(sessionID, endedBy(answer), answerText(answer))
      const error = answer.info.error
      if (error?.name === "MessageAbortedError") this.cancel(sessionID)
      else if (error) notifier.error(`${handoff.agent}'s turn after the hand-off failed: ${errorText(error)}`, { sessionID, handoff: handoff.id })
    } catch (error) {
      lifecycle.answered(sessionID, { state: "failed", error: describeError(error) })
      notifier.error(`Hand-off ${handoff.from.agent} → ${handoff.agent} ("${excerpt(handoff.text, 40)}") failed: ${describeError(error)}`, {
        sessionID,
        handoff: handoff.id,
      })
    }
  }
}
