import type { Bus } from "../../core/bus.js"
import { deliveredMarker, type HandoffBook } from "../../core/book.js"
import { markerMetadata, reportKey } from "../../core/protocol.js"
import type { Handoff } from "../../core/types.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { WorkQueued } from "../lifecycle/signals.js"
import { deliveredText, type Wording } from "../words/index.js"

/** How long the caller's last step may be held while OpenCode stores the compaction request. */
const COMPACTION_STORED_WITHIN_MS = 5_000
const COMPACTION_POLL_MS = 15

/** A compact hand-off whose summary is on its way in the running turn; `step` asked for it. */
type Compacting = { handoff: Handoff; step: string }

/**
 * Hand-offs join the caller's running turn instead of waiting for it to end. OpenCode reads
 * the session again after each step and goes on while a newer user message waits, with that
 * message's agent; `experimental.text.complete` runs (awaited) as each answer text ends. So a
 * hand-off stored then is answered in the same turn, after the caller's last words: clients
 * that stop at the first idle (`opencode run`) see it answered, and no idle falls between.
 *
 * - `message`: stored as the caller's answer text ends. So is a follow-up a caller sent to a
 *   session it started, as that session's answer text ends.
 * - `compact`: OpenCode is asked to compact (the request joins the running turn); the hand-off is
 *   stored as the summary's text ends, so the target agent reads the summary, then the hand-off.
 *
 * What cannot join (no answer text, a release that refuses) is delivered when the turn ends.
 */
export class Joiner {
  /** Hand-offs that joined a turn still running: a failure of that turn is theirs. */
  private readonly joined = new Map<string, Handoff>()
  private readonly compacting = new Map<string, Compacting>()

  constructor(private readonly deps: { opencode: Opencode; book: HandoffBook; lifecycle: Lifecycle; bus: Bus; notifier: Notifier; wording?: Wording }) {}

  /**
   * Answer text of step `messageID` just ended in `sessionID`, inside its running turn. Never
   * throws: OpenCode awaits it inside that turn.
   */
  async textEnded(sessionID: string, messageID: string): Promise<void> {
    try {
      await this.joinNext(sessionID, messageID)
    } catch (error) {
      this.deps.notifier.error(`Could not hand over within the running turn in ${sessionID}: ${describeError(error)}`, { sessionID })
    }
  }

  private async joinNext(sessionID: string, messageID: string): Promise<void> {
    const compacting = this.compacting.get(sessionID)
    if (compacting) {
      // The next text after the step that asked is the summary's.
      if (compacting.step !== messageID) {
        this.compacting.delete(sessionID)
        // Compacted already: if it cannot be stored now, it is put back to hand over only.
        await this.store({ ...compacting.handoff, summarized: true })
      }
      return
    }
    const handoff = this.deps.book.takeJoinable(sessionID, messageID)
    if (!handoff) return
    if (handoff.kind === "compact") await this.compact(handoff, messageID)
    else await this.store(handoff)
  }

  /** The turn failed (not interrupted): a hand-off that joined it failed with it, and the person hears of it. */
  failed(sessionID: string, error: unknown): void {
    const handoff = this.joined.get(sessionID)
    if (!handoff) return
    this.joined.delete(sessionID)
    this.deps.notifier.error(`${handoff.agent}'s turn after the hand-off failed: ${describeError(error)}`, { sessionID, handoff: handoff.id })
  }

  /** Whether a hand-off joined the turn running in `sessionID`, or a compaction is on its way there: the turn goes on. */
  goesOn(sessionID: string): boolean {
    return this.joined.has(sessionID) || this.compacting.has(sessionID)
  }

  /** The turn is over: nothing joined it any more. */
  ended(sessionID: string): void {
    this.joined.delete(sessionID)
  }

  /** The person interrupted the turn: a compaction's hand-off waiting for its summary is dropped with the rest. */
  interrupted(sessionID: string): Handoff[] {
    this.joined.delete(sessionID)
    const compacting = this.compacting.get(sessionID)
    this.compacting.delete(sessionID)
    return compacting ? [compacting.handoff] : []
  }

  private async store(handoff: Handoff): Promise<void> {
    const { sessionID } = handoff
    try {
      await this.deps.opencode.store(sessionID, {
        agent: handoff.agent,
        text: deliveredText(handoff, this.deps.wording),
        model: handoff.model,
        metadata: markerMetadata(deliveredMarker(handoff)),
      })
      // A follow-up stored in the running turn is that turn's from now on.
      if (handoff.followUp) this.deps.lifecycle.change(sessionID, { type: "delivered", key: reportKey(sessionID, handoff.followUp.id) })
      this.joined.set(sessionID, handoff)
      if (handoff.kind === "compact") this.deps.notifier.info(`Compacted ${sessionID}; ${handoff.agent} continues.`)
    } catch (error) {
      this.putBack(handoff)
      this.deps.notifier.warn(`Hand-off to ${handoff.agent} could not join the running turn (${describeError(error)}); it is delivered when the turn ends.`, {
        sessionID,
      })
    }
  }

  /**
   * Asks OpenCode to compact inside the running turn, and holds the caller's step until that
   * request is stored (the turn must see it when the step ends). OpenCode answers the request
   * only when the turn ends: if the summary's text never came by then, the hand-off is sent.
   */
  private async compact(handoff: Handoff, step: string): Promise<void> {
    const { sessionID } = handoff
    if (!handoff.summaryModel) return this.putBack(handoff)
    let before: string | undefined
    try {
      before = await this.newestID(sessionID)
    } catch (error) {
      this.putBack(handoff)
      throw error
    }
    this.compacting.set(sessionID, { handoff, step })
    let answered = false
    void this.deps.opencode.summarize(sessionID, handoff.summaryModel).then(
      () => {
        answered = true
        this.summaryMissed(sessionID, handoff)
      },
      (error: unknown) => {
        answered = true
        this.refused(sessionID, handoff, error)
      },
    )
    // A request stored later than this still compacts, in a turn of its own once this one ends.
    const deadline = Date.now() + COMPACTION_STORED_WITHIN_MS
    try {
      while (!answered && (await this.newestID(sessionID)) === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, COMPACTION_POLL_MS))
      }
    } catch (error) {
      // The request is on its way regardless; if it is stored after this step, it compacts in a turn of its own.
      this.deps.notifier.warn(`Could not see the compaction request stored in ${sessionID} (${describeError(error)}).`, { sessionID })
    }
  }

  /** OpenCode refused to compact now: it compacts when the turn ends, as without joining. */
  private refused(sessionID: string, handoff: Handoff, error: unknown): void {
    if (this.compacting.get(sessionID)?.handoff !== handoff) return
    this.compacting.delete(sessionID)
    this.putBack(handoff)
    this.deps.notifier.warn(`Compaction could not join the running turn (${describeError(error)}); it happens when the turn ends.`, { sessionID })
  }

  /** The compaction ran but its summary's text never came (so the hand-off was not stored): it is sent now. */
  private summaryMissed(sessionID: string, handoff: Handoff): void {
    if (this.compacting.get(sessionID)?.handoff !== handoff) return
    this.compacting.delete(sessionID)
    this.putBack({ ...handoff, summarized: true })
    this.deps.notifier.warn(`The compaction's summary did not reach ${handoff.agent} within the turn; the hand-off is delivered now.`, { sessionID })
  }

  private putBack(handoff: Handoff): void {
    this.deps.book.putBack(handoff)
    this.deps.bus.publish(WorkQueued, { sessionID: handoff.sessionID })
  }

  private async newestID(sessionID: string): Promise<string | undefined> {
    return (await this.deps.opencode.messages(sessionID, 1)).at(-1)?.info.id
  }
}
