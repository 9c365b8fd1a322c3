import type { Session } from "@opencode-ai/sdk"
import { join } from "node:path"
import type { HandoffBook } from "../../core/book.js"
import type { Outcome } from "../../core/lineage.js"
import type { Isolation, StartMarker } from "../../core/protocol.js"
import type { Call } from "../../core/types.js"
import { describeError } from "../errors.js"
import type { FirstTurn, FirstTurns } from "./first-turn.js"
import type { LineageStore } from "./lineage-store.js"
import type { Notifier } from "../host/notify.js"
import type { Reporter } from "./reporter.js"
import type { Waits } from "./waits.js"
import type { Worktrees } from "../isolation/worktrees.js"
import type { PlannedIsolation } from "../isolation/placement.js"

/** How a started session's first turn stands when the tool returns. */
export type Launched = { kind: "started" } | { kind: "waiting"; running: number } | { kind: "isolated"; directory: string; branch: string }

/**
 * Decides when the first turn of a session started by `new` or `fork` begins (./first-turn.ts
 * runs it), and what follows its end, without making the caller wait for its answer. A caller
 * runs at most `maxRunning` such sessions at once; further ones are made at once (a fork holds
 * the history as it was at the call) and start, in call order, as others finish. Isolated ones
 * start once the caller's step that made them is over.
 */
export class Launcher {
  private readonly running = new Map<string, Set<string>>()
  private readonly waiting = new Map<string, FirstTurn[]>()
  /** Isolated starts held until the caller's step that made them is over (see `stepOver`). */
  private readonly deferred = new Map<string, FirstTurn[]>()

  constructor(
    private readonly turns: FirstTurns,
    private readonly book: HandoffBook,
    private readonly lineage: LineageStore,
    private readonly reporter: Reporter,
    private readonly notifier: Notifier,
    private readonly waits: Waits,
    private readonly worktrees: Worktrees,
    private readonly maxRunning: number,
  ) {}

  /** Called from the `chat.message` hook: a session has stored a new user message. */
  accepted(sessionID: string): void {
    this.turns.accepted(sessionID)
  }

  /** Called from the `chat.params` hook: a session's turn is about to send a model request. */
  requested(sessionID: string): void {
    this.turns.requested(sessionID)
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

  /** Starts `session`'s first turn (in its own worktree when `planned` says where), or queues it behind the caller's running ones. */
  async launch(call: Call, mode: "new" | "fork", session: Session, planned?: PlannedIsolation, { retitle = false } = {}): Promise<Launched> {
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
    if (running >= this.maxRunning) {
      // Titled now: it may wait a while, and the person sees it in the session list meanwhile.
      if (retitle) this.turns.retitle(session)
      this.waiting.set(call.sessionID, [...(this.waiting.get(call.sessionID) ?? []), { call, session, marker, planned }])
      this.notifier.info(`${call.callerAgent} queued ${call.agent}: ${session.title} (${running} running)`)
      return { kind: "waiting", running }
    }
    if (planned) {
      // Making a worktree takes seconds in a large repository: the caller's turn goes on meanwhile,
      // and the person hears of the session once it runs there.
      this.deferred.set(call.sessionID, [...(this.deferred.get(call.sessionID) ?? []), { call, session, marker, planned, retitle }])
      return { kind: "isolated", directory: join(planned.directory, planned.prefix), branch: planned.branch }
    }
    await this.start({ call, session, marker, retitle })
    return { kind: "started" }
  }

  /** Starts a session's first turn in the background: a failure reaches the person, not the caller's tool call. */
  private begin(entry: FirstTurn): void {
    this.start(entry).catch((error: unknown) => {
      this.notifier.error(`${entry.session.title} could not start: ${describeError(error)}`, { sessionID: entry.session.id })
    })
  }

  /** Starts the first turn in a place of the caller's; resolves once it is under way (a failed start frees the place and throws). */
  private async start(entry: FirstTurn): Promise<void> {
    const caller = entry.call.sessionID
    const running = this.running.get(caller) ?? new Set<string>()
    this.running.set(caller, running.add(entry.session.id))
    const begun = await this.turns.begin(entry).catch((error: unknown) => {
      this.ended(caller, entry.session.id)
      throw error
    })
    const { call, session, marker, planned } = entry
    this.notifier.info(`${call.callerAgent} ${marker.mode === "fork" ? "forked" : "started"} ${call.agent}: ${session.title}${planned ? " (in its own worktree)" : ""}`)
    void begun.outcome.then((outcome) => this.finished(caller, session, outcome))
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
    if (next) this.begin(next)
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

  /**
   * OpenCode is unloading this copy of the plugin: sessions still waiting are left to the next
   * copy, which starts them from their records (state/recovery.ts); none may start twice.
   */
  stop(): number {
    const left = [...this.waiting.values(), ...this.deferred.values()].reduce((sum, queue) => sum + queue.length, 0)
    this.waiting.clear()
    this.deferred.clear()
    return left
  }

  /** The caller was deleted: its waiting sessions never start (they stay, empty, for the person). */
  forget(sessionID: string): void {
    this.waiting.delete(sessionID)
    this.deferred.delete(sessionID)
    this.running.delete(sessionID)
  }


}
