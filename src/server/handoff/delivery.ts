import { describeError } from "../errors.js"
import type { HandoffBook } from "../../core/book.js"
import { deliveredMetadata } from "../../core/delivered.js"
import { excerpt } from "../../core/format.js"
import type { Handoff } from "../../core/types.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { deliveredText } from "../tool/words/index.js"
import type { FollowUps } from "../started/follow-ups.js"

/**
 * Delivers queued hand-offs once a session's turn has ended (reports, follow-ups to an idle
 * started session, and hand-offs that could not join the turn, see joiner.ts): one chain per session, one hand-off per turn, in the order
 * they were queued. A chain waits for each delivered turn to end (a blocking prompt) before it
 * sends the next, and stops while any other turn runs in the session (the book's busy flag,
 * from OpenCode's status events), so a hand-off never cuts into a turn.
 */
export class Delivery {
  private readonly opencode: Opencode
  private readonly book: HandoffBook
  private readonly notifier: Notifier
  private readonly followUps: Pick<FollowUps, "sendingNow" | "sent">

  constructor(deps: { opencode: Opencode; book: HandoffBook; notifier: Notifier; followUps: Pick<FollowUps, "sendingNow" | "sent"> }) {
    this.opencode = deps.opencode
    this.book = deps.book
    this.notifier = deps.notifier
    this.followUps = deps.followUps
  }

  private stopped = false

  /** The session went idle, or something was queued for it from elsewhere (a report). */
  kick(sessionID: string): void {
    if (!this.stopped && this.book.claim(sessionID)) void this.drain(sessionID)
  }

  /** OpenCode is unloading this copy of the plugin: what is queued is left to the next copy (state/recovery.ts), none sent twice. */
  stop(): void {
    this.stopped = true
  }

  /** The person aborted a turn: what was queued in that session is dropped, and said so. */
  cancel(sessionID: string, alsoDropped: readonly Handoff[] = []): void {
    const dropped = [...alsoDropped, ...this.book.abort(sessionID)]
    if (dropped.length === 0) return
    const what = dropped.map((handoff) => `${handoff.kind} → ${handoff.agent}`).join(", ")
    this.notifier.warn(`Interrupted: dropped ${dropped.length} queued hand-off${dropped.length > 1 ? "s" : ""} (${what}).`, {
      sessionID,
    })
  }

  private async drain(sessionID: string): Promise<void> {
    try {
      for (let handoff = this.book.takeNext(sessionID); handoff && !this.stopped; handoff = this.book.takeNext(sessionID)) {
        await this.deliver(handoff)
      }
    } catch (error) {
      this.book.release(sessionID)
      this.notifier.error(`Hand-off delivery in ${sessionID} stopped: ${describeError(error)}`, { sessionID })
    }
  }

  private async deliver(handoff: Handoff): Promise<void> {
    const { sessionID } = handoff
    if (handoff.followUp) this.followUps.sendingNow(handoff.followUp.id)
    try {
      if (handoff.kind === "compact" && !handoff.summarized) {
        if (!handoff.summaryModel) throw new Error("no model to write the summary with")
        await this.opencode.summarize(sessionID, handoff.summaryModel)
        this.notifier.info(`Compacted ${sessionID}; ${handoff.agent} continues.`)
      }
      const answer = await this.opencode.prompt(sessionID, {
        agent: handoff.agent,
        text: deliveredText(handoff),
        model: handoff.model,
        metadata: deliveredMetadata(handoff),
      })
      const error = answer.info.error
      if (error?.name === "MessageAbortedError") this.cancel(sessionID)
      else if (error) {
        this.notifier.error(`${handoff.agent}'s turn after the hand-off failed: ${error.name}: ${describeError(error)}`, {
          sessionID,
          handoff: handoff.id,
        })
      }
    } catch (error) {
      this.notifier.error(`Hand-off ${handoff.from.agent} → ${handoff.agent} ("${excerpt(handoff.text, 40)}") failed: ${describeError(error)}`, {
        sessionID,
        handoff: handoff.id,
      })
    } finally {
      if (handoff.followUp) this.followUps.sent(handoff.followUp.id)
    }
  }
}
