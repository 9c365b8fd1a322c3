import type { Ended } from "../../core/life.js"
import { answerText, endedBy } from "../../core/outcome.js"
import { markerMetadata, type StartMarker } from "../../core/protocol.js"
import type { Stored } from "../../core/stored.js"
import type { Call } from "../../core/types.js"
import { describeError, SessionToolError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { shared } from "../host/process.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { startedText, words, type Wording } from "../words/index.js"

const ACCEPT_TIMEOUT_MS = 30_000
/** How long, once accepted, the tool waits for the started turn's first model request before returning anyway. */
const REQUEST_WAIT_MS = 2_000

/** A session the tool made: its id, and the title it gives it. */
export type StartedSession = { id: string; title: string }

/** How a first turn ended, and its answer's text. */
export type TurnEnd = { how: Ended; answer?: string }

type Signals = { accepted: Promise<void>; requested: Promise<void> }

/**
 * A session started by `new` or `fork`, its first turn not begun yet. `retitle`: OpenCode gave
 * it a title of its own (a fork's "… (fork #N)"), to be replaced by `session.title`.
 */
export type FirstTurn = { call: Call; session: StartedSession; marker: StartMarker; planned?: PlannedIsolation; retitle?: boolean }

/**
 * Sends a started session its first message — into its worktree first, for an isolated one — and
 * tells when that turn is under way and how it ended. A start that fails leaves nothing behind:
 * the half-made session is removed and forgotten.
 */
export class FirstTurns {
  // Shared by the plugin's copies in this process: on 1.0 the hooks that resolve these are another copy's.
  private readonly accepting = shared().accepting
  private readonly requesting = shared().requesting

  constructor(private readonly deps: { opencode: Opencode; lifecycle: Lifecycle; placement: Placement; notifier: Notifier; wording?: Wording }) {}

  /** A session has stored a new user message the plugin sent (the `chat.message` hook). */
  accepted(sessionID: string): void {
    this.accepting.get(sessionID)?.()
  }

  /** A session's turn is about to send a model request (the `chat.params` hook). */
  requested(sessionID: string): void {
    this.requesting.get(sessionID)?.()
  }

  /**
   * Resolves once `sessionID`'s next model request is on its way, or after 2 s: set just before a
   * message is sent to an idle session, it tells when that turn is under way (a follow-up).
   */
  nextRequest(sessionID: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        if (this.requesting.get(sessionID) === done) this.requesting.delete(sessionID)
        resolve()
      }
      const timer = setTimeout(done, REQUEST_WAIT_MS)
      this.requesting.set(sessionID, done)
    })
  }

  /**
   * Resolves once the session has accepted its first message and its turn's first model request
   * is on its way (its turn runs on), with that turn's outcome to come. The caller's own next
   * step runs on the same OpenCode thread: resolving earlier would let it delay this start.
   */
  async begin({ call, session, marker: unplaced, planned, retitle }: FirstTurn): Promise<{ outcome: Promise<TurnEnd> }> {
    const marker = planned ? await this.intoWorktree(session.id, unplaced, planned) : unplaced
    // An isolated session's turn runs in its worktree's own OpenCode instance, whose hooks this
    // plugin copy does not hear: there, the prompt's answer (or failure) is all that tells.
    const signals = marker.isolation ? undefined : this.listen(session.id)
    const turn = this.deps.opencode
      .prompt(session.id, {
        agent: call.agent,
        text: startedText({ agent: call.callerAgent, sessionID: call.sessionID }, marker, call.text, this.deps.wording),
        model: call.model,
        metadata: markerMetadata(marker),
      })
      .then(
        (answer) => ({ ok: true as const, answer }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    if (signals) await this.underway(session.id, turn, signals)
    if (retitle) this.retitle(session)
    return { outcome: turn.then((ended) => (ended.ok ? this.outcome(session, ended.answer) : this.failure(session, ended.error))) }
  }

  /** Gives the session our title (done off the path of its first message): it works without, so a failure is only a warning. */
  retitle(session: StartedSession): void {
    this.deps.opencode.setTitle(session.id, session.title).catch((error: unknown) => {
      this.deps.notifier.warn(`Could not title the session ${session.id}: ${describeError(error)}`, { sessionID: session.id })
    })
  }

  /** Makes the session's worktree from the snapshot taken at its call and moves the session there; from then on its marker names the worktree. */
  private async intoWorktree(sessionID: string, marker: StartMarker, planned: PlannedIsolation): Promise<StartMarker> {
    try {
      const isolation = { ...planned, base: await planned.base }
      const placed: StartMarker = { ...marker, isolation }
      this.deps.lifecycle.placed(sessionID, placed)
      await this.deps.placement.create(sessionID, isolation)
      return placed
    } catch (error) {
      return this.abandon(sessionID, error)
    }
  }

  /** The hooks' signals for one session: its first message accepted, its first model request going out. Set before it is prompted. */
  private listen(sessionID: string): Signals {
    return {
      accepted: new Promise<void>((resolve) => this.accepting.set(sessionID, resolve)),
      requested: new Promise<void>((resolve) => this.requesting.set(sessionID, resolve)),
    }
  }

  /** Resolves once the first message is accepted (or fails the start), then once the first model request is on its way (or soon after). */
  private async underway(sessionID: string, turn: Promise<{ ok: boolean; error?: unknown }>, signals: Signals): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        signals.accepted,
        turn.then((ended) => {
          if (!ended.ok) throw ended.error
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new SessionToolError(words.refusal.notAccepted(sessionID, ACCEPT_TIMEOUT_MS / 1000))), ACCEPT_TIMEOUT_MS)
        }),
      ])
    } catch (error) {
      this.requesting.delete(sessionID)
      await this.abandon(sessionID, error)
    } finally {
      clearTimeout(timer)
      this.accepting.delete(sessionID)
    }
    try {
      await Promise.race([signals.requested, turn, new Promise((resolve) => (timer = setTimeout(resolve, REQUEST_WAIT_MS)))])
    } finally {
      clearTimeout(timer)
      this.requesting.delete(sessionID)
    }
  }

  /** A start that failed: nothing of it is remembered, the half-made session is removed, and the failure goes on. */
  private async abandon(sessionID: string, error: unknown): Promise<never> {
    try {
      await this.deps.opencode.deleteSession(sessionID)
    } catch (cleanup) {
      this.deps.notifier.error(`Could not remove the unused session ${sessionID}: ${describeError(cleanup)}`, { sessionID })
    }
    throw error
  }

  private outcome(session: StartedSession, answer: Stored): TurnEnd {
    const how = endedBy(answer)
    if (how.state === "failed") this.deps.notifier.error(`${session.title}: turn failed (${how.error})`, { sessionID: session.id })
    return { how, answer: answerText(answer) }
  }

  private failure(session: StartedSession, error: unknown): TurnEnd {
    this.deps.notifier.error(`${session.title}: its turn failed: ${describeError(error)}`, { sessionID: session.id })
    return { how: { state: "failed", error: describeError(error) } }
  }
}
