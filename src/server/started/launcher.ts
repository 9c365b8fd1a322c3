import type { Session } from "@opencode-ai/sdk"
import { join } from "node:path"
import type { HandoffBook } from "../../core/book.js"
import type { Outcome } from "../../core/outcome.js"
import type { Isolation, StartMarker } from "../../core/protocol.js"
import type { Call, Launched } from "../../core/types.js"
import { describeError } from "../errors.js"
import type { FirstTurn, FirstTurns } from "./first-turn.js"
import type { Places } from "./places.js"
import type { LineageStore } from "./lineage-store.js"
import type { Notifier } from "../host/notify.js"
import type { Reporter } from "./reporter.js"
import type { Waits } from "./waits.js"
import type { Worktrees } from "../isolation/worktrees.js"
import type { PlannedIsolation } from "../isolation/placement.js"

/**
 * Decides when the first turn of a session started by `new` or `fork` begins (./first-turn.ts
 * runs it), and what follows its end, without making the caller wait for its answer. A caller
 * runs at most `maxRunning` such sessions at once; further ones are made at once (a fork holds
 * the history as it was at the call) and start, in call order, as others finish. Isolated ones
 * start once the caller's step that made them is over.
 */
export type LauncherDeps = {
  turns: FirstTurns
  places: Places
  book: HandoffBook
  lineage: LineageStore
  reporter: Reporter
  notifier: Notifier
  waits: Waits
  worktrees: Worktrees
  maxRunning: number
  /** A first turn ended (its prompt answered): what waited for that is done (a stop's marker, a follow-up queued meanwhile). */
  turnEnded: (sessionID: string) => void
}

export class Launcher {
  constructor(private readonly deps: LauncherDeps) {}

  /**
   * The caller's step that made isolated calls is over (its next model request is going out, or
   * its turn ended): their worktrees are made now. Made earlier, checking out whole trees would
   * compete with the rest of that step for the processor.
   */
  stepOver(callerID: string): void {
    for (const entry of this.deps.places.release(callerID)) this.begin(entry)
  }

  /** Starts `session`'s first turn (in its own worktree when `planned` says where), or queues it behind the caller's running ones. */
  async launch(call: Call, mode: "new" | "fork", session: Session, planned?: PlannedIsolation, { retitle = false } = {}): Promise<Launched> {
    const { book, lineage, places, turns, notifier, maxRunning } = this.deps
    book.inheritCount(call.sessionID, session.id)
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
    lineage.remember(session.id, marker)
    const running = places.taken(call.sessionID)
    if (running >= maxRunning) {
      // Titled now: it may wait a while, and the person sees it in the session list meanwhile.
      if (retitle) turns.retitle(session)
      places.wait({ call, session, marker, planned })
      notifier.info(`${call.callerAgent} queued ${call.agent}: ${session.title} (${running} running)`)
      return { kind: "waiting", running }
    }
    if (planned) {
      // Making a worktree takes seconds in a large repository: the caller's turn goes on meanwhile,
      // and the person hears of the session once it runs there.
      places.hold({ call, session, marker, planned, retitle })
      return { kind: "isolated", directory: join(planned.directory, planned.prefix), branch: planned.branch }
    }
    await this.start({ call, session, marker, retitle })
    return { kind: "started" }
  }

  /** Starts a session's first turn in the background: a failure reaches the person, not the caller's tool call. */
  private begin(entry: FirstTurn): void {
    this.start(entry).catch((error: unknown) => {
      this.deps.notifier.error(`${entry.session.title} could not start: ${describeError(error)}`, { sessionID: entry.session.id })
    })
  }

  /** Starts the first turn in a place of the caller's; resolves once it is under way (a failed start frees the place and throws). */
  private async start(entry: FirstTurn): Promise<void> {
    const caller = entry.call.sessionID
    this.deps.places.run(caller, entry.session.id)
    const begun = await this.deps.turns.begin(entry).catch((error: unknown) => {
      this.ended(caller, entry.session.id)
      throw error
    })
    const { call, session, marker, planned } = entry
    this.deps.notifier.info(
      `${call.callerAgent} ${marker.mode === "fork" ? "forked" : "started"} ${call.agent}: ${session.title}${planned ? " (in its own worktree)" : ""}`,
    )
    void begun.outcome.then((outcome) => this.finished(caller, session, outcome))
  }

  private finished(caller: string, session: Session, outcome: Outcome): void {
    const { book, lineage, waits, reporter } = this.deps
    // Its prompt has answered, so its turn is over, though the idle event may still be on its way.
    book.markIdle(session.id)
    lineage.settle(session.id, outcome)
    this.ended(caller, session.id)
    waits.wake(caller)
    // The same word the idle event gives: an isolated session's idle comes from an instance this copy does not hear.
    this.deps.turnEnded(session.id)
    reporter.turnEnded(session.id)
    const isolation = lineage.known(session.id)?.isolation
    if (isolation) this.tidy(session, isolation)
  }

  /** An isolated session that changed nothing in its first turn needs no worktree: it goes, and the person hears of it. */
  private tidy(session: Session, isolation: Isolation): void {
    const { worktrees, notifier } = this.deps
    worktrees.removeIfUnchanged(session.id, isolation).then(
      (removed) => {
        if (removed) notifier.info(`${session.title} changed nothing: its worktree is removed, and it continues in your folder if resumed.`)
      },
      (error: unknown) =>
        notifier.warn(`Could not tidy ${session.title}'s worktree ${isolation.directory}: ${describeError(error)}`, { sessionID: session.id }),
    )
  }

  /** A place is free: the next waiting session of that caller starts (its failure is reported, not thrown). */
  private ended(caller: string, sessionID: string): void {
    const next = this.deps.places.free(caller, sessionID)
    if (next) this.begin(next)
  }

  /**
   * The person interrupted the caller: like its queued hand-offs, its sessions still waiting for a
   * place will not start. They stay, without a turn, for the person to run or delete.
   */
  cancelWaiting(callerID: string): string[] {
    const dropped = this.deps.places.drop(callerID)
    if (dropped.length > 0) {
      this.deps.notifier.warn(
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
    return this.deps.places.dropAll()
  }
}
