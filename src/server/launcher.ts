import type { AssistantMessage, Part, Session } from "@opencode-ai/sdk"
import type { HandoffBook } from "../core/book.js"
import { handoffText, startMetadata } from "../core/format.js"
import { outcomeOf, type Isolation, type Outcome, type StartMarker, type Stored } from "../core/lineage.js"
import type { Call } from "../core/types.js"
import { describeError, SessionToolError } from "./errors.js"
import type { LineageStore } from "./lineage-store.js"
import type { Notifier } from "./notify.js"
import type { Opencode } from "./opencode/client.js"
import type { Reporter } from "./reporter.js"
import type { Waits } from "./waits.js"
import type { Worktrees } from "./isolation/worktrees.js"
import type { Placement, PlannedIsolation } from "./isolation/placement.js"
import { join } from "node:path"

const ACCEPT_TIMEOUT_MS = 30_000
/** How long, once accepted, the tool waits for the started turn's first model request before returning anyway. */
const REQUEST_WAIT_MS = 2_000

type Answer = { info: AssistantMessage; parts: Part[] }

/** A started session whose first turn has not begun: its caller already runs as many as allowed, or its worktree is still to be made. */
type Waiting = { call: Call; session: Session; marker: StartMarker; planned?: PlannedIsolation }

/**
 * Runs the first turn of a session started by `new` or `fork` without making the caller wait
 * for its answer: the tool returns once the session has accepted its first message. A caller
 * runs at most `maxRunning` such sessions at once; further ones are made at once (a fork holds
 * the history as it was at the call) and start, in call order, as others finish.
 */
export class Launcher {
  private readonly accepting = new Map<string, () => void>()
  private readonly requesting = new Map<string, () => void>()
  private readonly running = new Map<string, Set<string>>()
  private readonly waiting = new Map<string, Waiting[]>()
  /** Isolated starts held until the caller's step that made them is over (see `stepOver`). */
  private readonly deferred = new Map<string, Waiting[]>()

  constructor(
    private readonly opencode: Opencode,
    private readonly book: HandoffBook,
    private readonly lineage: LineageStore,
    private readonly reporter: Reporter,
    private readonly notifier: Notifier,
    private readonly waits: Waits,
    private readonly worktrees: Worktrees,
    private readonly placement: Placement,
    private readonly maxRunning: number,
  ) {}

  /** Called from the `chat.message` hook: a session has stored a new user message. */
  accepted(sessionID: string): void {
    this.accepting.get(sessionID)?.()
  }

  /** Called from the `chat.params` hook: a session's turn is about to send a model request. */
  requested(sessionID: string): void {
    this.requesting.get(sessionID)?.()
    this.stepOver(sessionID)
  }

  /**
   * The caller's step that made isolated calls is over (its next model request is going out, or
   * its turn ended): their worktrees are made now. Made earlier, checking out whole trees would
   * compete with the rest of that step for the processor.
   */
  stepOver(callerID: string): void {
    const held = this.deferred.get(callerID)
    if (!held) return
    this.deferred.delete(callerID)
    for (const entry of held) this.begin(entry)
  }

  /** The tool started this session's first turn here, and it has not ended yet. */
  isRunning(sessionID: string): boolean {
    for (const sessions of this.running.values()) if (sessions.has(sessionID)) return true
    return false
  }

  /** Sessions `callerID` started that have not begun yet (a free place, or the end of its step), in the order they will start. */
  waitingFor(callerID: string): string[] {
    return [...(this.deferred.get(callerID) ?? []), ...(this.waiting.get(callerID) ?? [])].map((entry) => entry.session.id)
  }

  /** Starts `session`'s first turn (in its own worktree when `isolation` is given), or queues it behind the caller's running ones. */
  async launch(call: Call, mode: "new" | "fork", session: Session, planned?: PlannedIsolation): Promise<string> {
    this.book.inheritCount(call.sessionID, session.id)
    const marker: StartMarker = {
      kind: "start",
      fromAgent: call.callerAgent,
      fromSession: call.sessionID,
      mode,
      agent: call.agent,
      report: call.report,
      call: call.messageID,
      title: session.title,
    }
    this.lineage.remember(session.id, marker)
    const running = (this.running.get(call.sessionID)?.size ?? 0) + (this.deferred.get(call.sessionID)?.length ?? 0)
    const what = `session ${session.id} "${session.title}" (agent ${call.agent}, ${mode === "fork" ? "with this conversation's history" : "no history"})`
    const report = call.report === "none" ? " Use mode status to see how it goes." : call.report === "each" ? " Its final answer will be sent back to you here." : " Its final answer will be sent back to you here, with the others of this turn."
    if (running >= this.maxRunning) {
      this.waiting.set(call.sessionID, [...(this.waiting.get(call.sessionID) ?? []), { call, session, marker, planned }])
      this.notifier.info(`${call.callerAgent} queued ${call.agent}: ${session.title} (${running} running)`)
      return (
        `Waiting to start: ${what}. You already run ${running} sessions (the limit); it starts when one finishes, in call order.` +
        `${report}`
      )
    }
    const started = `${call.callerAgent} ${mode === "fork" ? "forked" : "started"} ${call.agent}: ${session.title}`
    if (planned) {
      this.notifier.info(`${started} (own worktree)`)
      // Making a worktree takes seconds in a large repository: the caller's turn goes on meanwhile.
      this.deferred.set(call.sessionID, [...(this.deferred.get(call.sessionID) ?? []), { call, session, marker, planned }])
      return (
        `Starting ${what} in its own worktree ${join(planned.directory, planned.prefix)} (branch ${planned.branch}), made from what you see now; ` +
        `your files do not change until you adopt its work (mode adopt, or discard).${report}`
      )
    }
    await this.start({ call, session, marker })
    this.notifier.info(started)
    return `Started ${what}. It runs on its own; the person can open it from the session list (/sessions).${report}`
  }

  /** Starts a session's first turn in the background: a failure reaches the person, not the caller's tool call. */
  private begin(entry: Waiting): void {
    this.start(entry).catch((error: unknown) => {
      this.notifier.error(`${entry.session.title} could not start: ${describeError(error)}`, { sessionID: entry.session.id })
    })
  }

  /**
   * Sends the first message and resolves once the session has accepted it and its turn's first
   * model request is on its way (its turn runs on). The caller's own next step runs on the same
   * OpenCode thread: returning earlier would let it delay the started session's start.
   */
  private async start({ call, session, marker: unplaced, planned }: Waiting): Promise<void> {
    const caller = call.sessionID
    const running = this.running.get(caller) ?? new Set<string>()
    this.running.set(caller, running.add(session.id))
    const marker = planned ? await this.intoWorktree(caller, session.id, unplaced, planned) : unplaced
    // An isolated session's turn runs in its worktree's own OpenCode instance, whose hooks this
    // plugin copy does not hear: there, the prompt's answer (or failure) is all that tells.
    const signals = marker.isolation ? undefined : this.listen(session.id)
    const turn = this.opencode
      .prompt(session.id, {
        agent: call.agent,
        text: handoffText({ kind: "message", from: { agent: call.callerAgent, sessionID: caller }, text: call.text }),
        model: call.model,
        metadata: startMetadata(marker),
      })
      .then(
        (answer) => ({ ok: true as const, answer }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    if (signals) await this.underway(caller, session.id, turn, signals)
    void turn.then((outcome) => this.finished(caller, session, outcome.ok ? this.outcome(session, outcome.answer) : this.failure(session, outcome.error)))
  }

  /** Makes the session's worktree from the snapshot taken at its call and moves the session there; from then on its marker names the worktree. */
  private async intoWorktree(caller: string, sessionID: string, marker: StartMarker, planned: PlannedIsolation): Promise<StartMarker> {
    try {
      const placed: StartMarker = { ...marker, isolation: { ...planned, base: await planned.base } }
      this.lineage.remember(sessionID, placed)
      await this.placement.create(sessionID, placed.isolation!)
      return placed
    } catch (error) {
      return this.abandon(caller, sessionID, error)
    }
  }

  /** The hooks' signals for one session: its first message accepted, its first model request going out. Set before it is prompted. */
  private listen(sessionID: string): { accepted: Promise<void>; requested: Promise<void> } {
    return {
      accepted: new Promise<void>((resolve) => this.accepting.set(sessionID, resolve)),
      requested: new Promise<void>((resolve) => this.requesting.set(sessionID, resolve)),
    }
  }

  /** Resolves once the first message is accepted (or fails the start), then once the first model request is on its way (or soon after). */
  private async underway(caller: string, sessionID: string, turn: Promise<{ ok: boolean; error?: unknown }>, signals: { accepted: Promise<void>; requested: Promise<void> }): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        signals.accepted,
        turn.then((outcome) => {
          if (!outcome.ok) throw outcome.error
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new SessionToolError(`session: ${sessionID} did not accept its first message within ${ACCEPT_TIMEOUT_MS / 1000} s.`)),
            ACCEPT_TIMEOUT_MS,
          )
        }),
      ])
    } catch (error) {
      this.requesting.delete(sessionID)
      await this.abandon(caller, sessionID, error)
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

  /** A start that failed: its place is freed, nothing of it is remembered, the half-made session is removed, and the failure goes on. */
  private async abandon(caller: string, sessionID: string, error: unknown): Promise<never> {
    this.ended(caller, sessionID)
    this.lineage.forget(sessionID)
    await this.discard(sessionID)
    throw error
  }

  private outcome(session: Session, answer: Answer): Outcome {
    // The prompt's answer is the turn's last assistant message.
    const outcome = outcomeOf([{ ...answer, info: { ...answer.info, role: "assistant" } } as unknown as Stored], false)
    if (outcome.state === "failed") this.notifier.error(`${session.title}: turn failed (${outcome.error})`, { sessionID: session.id })
    return outcome
  }

  private failure(session: Session, error: unknown): Outcome {
    this.notifier.error(`${session.title}: its turn failed: ${describeError(error)}`, { sessionID: session.id })
    return { state: "failed", error: describeError(error) }
  }

  private finished(caller: string, session: Session, outcome: Outcome): void {
    // Its prompt has answered, so its turn is over, though the idle event may still be on its way.
    this.book.markIdle(session.id)
    this.lineage.settle(session.id, outcome)
    this.ended(caller, session.id)
    this.waits.wake(caller)
    const marker = this.lineage.known(session.id)
    if (marker?.report !== "none") this.reporter.decide(caller)
    if (marker?.isolation) this.tidy(session, marker.isolation)
  }

  /** An isolated session that changed nothing in its first turn needs no worktree: it goes, and the person hears of it. */
  private tidy(session: Session, isolation: Isolation): void {
    this.worktrees.removeIfUnchanged(session.id, isolation).then(
      (removed) => {
        if (removed) this.notifier.info(`${session.title} changed nothing: its worktree is removed, and it continues in your folder if resumed.`)
      },
      (error: unknown) => this.notifier.warn(`Could not tidy ${session.title}'s worktree ${isolation.directory}: ${describeError(error)}`, { sessionID: session.id }),
    )
  }

  /** A place is free: the next waiting session of that caller starts (its failure is reported, not thrown). */
  private ended(caller: string, sessionID: string): void {
    const running = this.running.get(caller)
    running?.delete(sessionID)
    if (running?.size === 0) this.running.delete(caller)
    const queue = this.waiting.get(caller)
    const next = queue?.shift()
    if (queue?.length === 0) this.waiting.delete(caller)
    if (!next) return
    this.notifier.info(`${next.call.callerAgent}'s waiting session starts: ${next.session.title}`)
    this.begin(next)
  }

  /**
   * The person interrupted the caller: like its queued hand-offs, its sessions still waiting for a
   * place will not start. They stay, without a turn, for the person to run or delete.
   */
  cancelWaiting(callerID: string): string[] {
    const dropped = this.waitingFor(callerID)
    this.waiting.delete(callerID)
    this.deferred.delete(callerID)
    if (dropped.length > 0) {
      this.notifier.warn(
        `Interrupted: ${dropped.length} waiting session${dropped.length > 1 ? "s" : ""} will not start (${dropped.join(", ")}); send one a message to run it.`,
        { sessionID: callerID },
      )
    }
    return dropped
  }

  /** The caller was deleted: its waiting sessions never start (they stay, empty, for the person). */
  forget(sessionID: string): void {
    this.waiting.delete(sessionID)
    this.deferred.delete(sessionID)
    this.running.delete(sessionID)
  }

  /** A session whose first message was never accepted is removed, so nothing half-made is left. */
  private async discard(sessionID: string): Promise<void> {
    try {
      await this.opencode.deleteSession(sessionID)
    } catch (error) {
      this.notifier.error(`Could not remove the unused session ${sessionID}: ${describeError(error)}`, { sessionID })
    }
  }
}
