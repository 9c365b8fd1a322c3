import type { HandoffBook } from "../../core/book.js"
import { turnOf } from "../../core/lineage.js"
import type { Outcome } from "../../core/outcome.js"
import { markerMetadata, type StopCause, type StopMarker, type Stored } from "../../core/protocol.js"
import { describeError } from "../errors.js"
import type { Notifier } from "../host/notify.js"
import { firstInProcess } from "../host/once.js"
import type { Opencode } from "../host/opencode.js"
import { words } from "../tool/words/index.js"
import type { LineageStore } from "./lineage-store.js"
import type { Places } from "./places.js"

/** Why the plugin stops a session: who asked, and for a token limit, the limit and what was used. */
export type StopReason = { by: StopCause; limit?: number; used?: number }

/** What a stop found: a turn it stopped, a start it kept from beginning, or a session that had finished already. */
export type StopResult = { sessionID: string; was: "running" | "waiting" | "finished"; droppedFollowUps: number }

/** How long a stopped turn may take to wind down before the stop's marker is stored anyway. */
const WIND_DOWN_MS = 3_000

export type StopperDeps = {
  opencode: Opencode
  book: HandoffBook
  places: Places
  lineage: LineageStore
  notifier: Notifier
}

/**
 * Stops sessions a caller started: a running turn is aborted (OpenCode's own interrupt), a start
 * still waiting for its place is dropped, and follow-ups queued for it are dropped. The session
 * reads as stopped at once (LineageStore), and once its turn has wound down a marker stored in it
 * says why (core/protocol.ts StopMarker), for every reader after a restart and for anyone who
 * opens it. Its files, and an isolated one's worktree, stay as they are.
 */
export class Stopper {
  private readonly winding = new Map<string, { marker: StopMarker; timer: NodeJS.Timeout }>()

  constructor(private readonly deps: StopperDeps) {}

  /** Stops these sessions of `callerID` (each one it started): what each was doing. */
  async stop(callerID: string, sessionIDs: readonly string[], reason: StopReason): Promise<StopResult[]> {
    const running = await this.runningNow()
    return Promise.all(sessionIDs.map((sessionID) => this.stopOne(callerID, sessionID, reason, running)))
  }

  /** Of these sessions `callerID` started, those that run or wait to start now. */
  async active(callerID: string, sessionIDs: readonly string[]): Promise<string[]> {
    return this.activeAmong(callerID, sessionIDs, await this.runningNow())
  }

  /** Every session `callerID` started that runs or waits to start now; those that have finished stay as they are. */
  async stopAll(callerID: string, reason: StopReason): Promise<StopResult[]> {
    const messages = (await this.deps.opencode.messages(callerID)) as unknown as Stored[]
    const running = await this.runningNow()
    const active = this.activeAmong(callerID, this.deps.lineage.childrenOf(callerID, messages), running)
    return (await Promise.all(active.map((sessionID) => this.stopOne(callerID, sessionID, reason, running)))).filter((result) => result.was !== "finished")
  }

  private activeAmong(callerID: string, sessionIDs: readonly string[], running: ReadonlySet<string>): string[] {
    const waiting = this.deps.places.waitingFor(callerID)
    return sessionIDs.filter((id) => running.has(id) || waiting.includes(id) || this.deps.book.isBusy(id) || this.deps.places.isRunning(id))
  }

  /**
   * The person interrupted `callerID`'s turn `turn` (the user message it answers): the sessions
   * that turn started and that still run are stopped with it, as OpenCode's own background tasks
   * are. Sessions started in earlier turns are left alone.
   */
  async callerInterrupted(callerID: string, turn: string): Promise<StopResult[]> {
    // Two signals tell of one interruption, and 1.0 runs two copies of the plugin: one stop.
    if (!firstInProcess(`interrupted:${turn}`)) return []
    const messages = (await this.deps.opencode.messages(callerID)) as unknown as Stored[]
    const inTurn: string[] = []
    for (const sessionID of this.deps.lineage.childrenOf(callerID, messages)) {
      const marker = await this.deps.lineage.markerOf(sessionID)
      if (marker && turnOf(messages, marker.call) === turn) inTurn.push(sessionID)
    }
    if (inTurn.length === 0) return []
    return (await this.stop(callerID, inTurn, { by: "interrupt" })).filter((result) => result.was === "running")
  }

  /** A session's turn ended (its idle event, or its first turn's prompt answered): a stop's marker is stored now. */
  turnEnded(sessionID: string): void {
    const winding = this.winding.get(sessionID)
    if (!winding) return
    clearTimeout(winding.timer)
    this.winding.delete(sessionID)
    this.note(sessionID, winding.marker)
  }

  private async stopOne(callerID: string, sessionID: string, reason: StopReason, runningNow: ReadonlySet<string>): Promise<StopResult> {
    const { book, places, lineage, opencode } = this.deps
    const dropped = book.abort(sessionID).flatMap((handoff) => (handoff.followUp ? [handoff.followUp.id] : []))
    const droppedFollowUps = dropped.length
    const marker: StopMarker = { kind: "stop", fromSession: callerID, ...reason, ...(dropped.length ? { dropped } : {}) }
    const outcome: Outcome = { state: "stopped", ...reason }
    if (places.dropOne(callerID, sessionID)) {
      lineage.stopped(sessionID, outcome)
      this.note(sessionID, marker)
      return { sessionID, was: "waiting", droppedFollowUps }
    }
    if (!book.isBusy(sessionID) && !places.isRunning(sessionID) && !runningNow.has(sessionID)) return { sessionID, was: "finished", droppedFollowUps }
    lineage.stopped(sessionID, outcome)
    this.winding.set(sessionID, { marker, timer: setTimeout(() => this.turnEnded(sessionID), WIND_DOWN_MS).unref() })
    try {
      await opencode.abort(sessionID)
    } catch (error) {
      clearTimeout(this.winding.get(sessionID)?.timer)
      this.winding.delete(sessionID)
      lineage.resumed(sessionID)
      throw error
    }
    return { sessionID, was: "running", droppedFollowUps }
  }

  /** The sessions OpenCode says run now (a turn in a worktree's instance included, where its events do not reach this plugin). */
  private async runningNow(): Promise<Set<string>> {
    const statuses = await this.deps.opencode.statuses()
    return new Set(Object.entries(statuses).flatMap(([sessionID, status]) => (status.type === "idle" ? [] : [sessionID])))
  }

  /** Stores the stop's marker in the session, after its turn: the reason survives a restart, and the session's history shows it. */
  private note(sessionID: string, marker: StopMarker): void {
    void (async () => {
      const agent = (await this.deps.lineage.markerOf(sessionID))?.agent ?? "build"
      await this.deps.opencode.store(sessionID, { agent, text: words.header.stopped(marker), metadata: markerMetadata(marker) })
    })().catch((error: unknown) =>
      this.deps.notifier.warn(
        `Session ${sessionID} is stopped, but why could not be noted in it (it may read as interrupted after a restart): ${describeError(error)}`,
        {
          sessionID,
        },
      ),
    )
  }
}
