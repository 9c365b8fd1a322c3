import type { HandoffBook } from "../../core/book.js"
import { BoundedMap } from "../../core/bounded.js"
import type { State } from "../../core/life.js"
import { turnOf } from "../../core/lineage.js"
import { markerMetadata, type StopMarker } from "../../core/protocol.js"
import type { Stored } from "../../core/stored.js"
import { tokens } from "../../core/outcome.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { firstInProcess } from "../host/process.js"
import { REMEMBERED } from "../lifecycle/held-lives.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { asWritten, stopReason, words, type Wording } from "../words/index.js"
import type { Launcher } from "./launcher.js"

/** Why the plugin stops a session: who asked, and for a token limit, the limit and what was used. */
export type StopReason = Omit<Extract<State, { state: "stopped" }>, "state">

/** What a stop found: a turn it stopped, a start it kept from beginning, or a session that had finished already. */
export type StopResult = { sessionID: string; was: "running" | "waiting" | "finished"; droppedFollowUps: number }

/** How long a stopped turn may take to wind down before the stop's marker is stored anyway. */
const WIND_DOWN_MS = 3_000

export type StopperDeps = {
  opencode: Opencode
  book: HandoffBook
  launcher: Pick<Launcher, "dropOne">
  lifecycle: Lifecycle
  notifier: Notifier
  /** Tokens (input and output) a started session may use before it is stopped at its next step; 0: no limit. */
  maxTokens: number
  /** Tokens everything started under the person's session may use together before each of them is stopped at its next step; 0: no limit. */
  maxTreeTokens?: number
  wording?: Wording
}

/**
 * Stops sessions a caller started: a running turn is aborted (OpenCode's own interrupt), a start
 * still waiting for its place is dropped, and follow-ups queued for it are dropped. Its life says
 * "stopped" at once, and once its turn has wound down a marker stored in it says why (core/
 * protocol.ts StopMarker), for every reader after a restart and for anyone who opens it. Its
 * files, and an isolated one's worktree, stay as they are. Also the token limits: a started
 * session whose own turns used more than `maxTokens`, or whose tree (everything started under the
 * person's session it descends from) used more than `maxTreeTokens`, is stopped as its next step
 * begins.
 */
export class Stopper {
  private readonly winding = new Map<string, { marker: StopMarker; timer: NodeJS.Timeout }>()
  /** Steps begun per started session: names one step alike in every copy of the plugin that hears it. */
  private readonly steps = new BoundedMap<string, number>(REMEMBERED)

  constructor(private readonly deps: StopperDeps) {}

  /** Stops these sessions of `callerID` (each one it started): what each was doing. */
  async stop(callerID: string, sessionIDs: readonly string[], reason: StopReason): Promise<StopResult[]> {
    const running = await this.deps.lifecycle.runningNow(sessionIDs)
    return Promise.all(sessionIDs.map((sessionID) => this.stopOne(callerID, sessionID, reason, running)))
  }

  /** Of these sessions `callerID` started, those that run or wait to start now. */
  async active(sessionIDs: readonly string[]): Promise<string[]> {
    const running = await this.deps.lifecycle.runningNow(sessionIDs)
    return sessionIDs.filter((id) => running.has(id) || this.deps.lifecycle.life(id)?.turns[0]?.state.state === "waiting")
  }

  /** Every session `callerID` started that runs or waits to start now; those that have finished stay as they are. */
  async stopAll(callerID: string, reason: StopReason): Promise<StopResult[]> {
    const messages = await this.deps.opencode.messages(callerID)
    const started = (await this.deps.lifecycle.livesOf(callerID, messages)).map((life) => life.sessionID)
    const results = await this.stop(callerID, await this.active(started), reason)
    return results.filter((result) => result.was !== "finished")
  }

  /**
   * The person interrupted `callerID`'s turn `turn` (the user message it answers; read from the
   * caller's aborted answer when the signal did not say): the sessions that turn started and that
   * still run are stopped with it, as OpenCode's own background tasks are. Sessions started in
   * earlier turns are left alone.
   */
  async callerInterrupted(callerID: string, turn?: string): Promise<StopResult[]> {
    const messages = await this.deps.opencode.messages(callerID)
    const interrupted = turn ?? abortedTurn(messages)
    // 1.0 runs two copies of the plugin, which both hear the interruption: one stop.
    if (!interrupted || !firstInProcess(`interrupted:${interrupted}`)) return []
    const lives = await this.deps.lifecycle.livesOf(callerID, messages)
    const inTurn = lives.filter((life) => turnOf(messages, life.marker.call) === interrupted).map((life) => life.sessionID)
    if (inTurn.length === 0) return []
    return (await this.stop(callerID, inTurn, { by: "interrupt" })).filter((result) => result.was === "running")
  }

  /** A session's turn ended: a stop's marker is stored now. */
  turnEnded(sessionID: string): void {
    const winding = this.winding.get(sessionID)
    if (!winding) return
    clearTimeout(winding.timer)
    this.winding.delete(sessionID)
    this.note(sessionID, winding.marker)
  }

  /** A step of `sessionID` is about to send its model request: past a token limit, it is stopped now. Never in the step's way: no read. */
  stepBegan(sessionID: string): void {
    const { lifecycle, maxTokens, maxTreeTokens = 0 } = this.deps
    const life = maxTokens > 0 || maxTreeTokens > 0 ? lifecycle.life(sessionID) : undefined
    if (!life) return
    const step = (this.steps.get(sessionID) ?? 0) + 1
    this.steps.set(sessionID, step)
    // A stopped turn winds down: its steps are not stopped again. A later turn (a report delivered to it, say) is.
    if (life.state.state === "stopped") return
    const own = tokens(lifecycle.spent(sessionID))
    if (maxTokens > 0 && own > maxTokens) return this.stopAtLimit(sessionID, step, life.marker, { by: "max-tokens", limit: maxTokens, used: own })
    if (maxTreeTokens <= 0) return
    const used = tokens(lifecycle.treeSpent(lifecycle.rootOf(sessionID)))
    if (used > maxTreeTokens) this.stopAtLimit(sessionID, step, life.marker, { by: "max-tree-tokens", limit: maxTreeTokens, used })
  }

  private stopAtLimit(
    sessionID: string,
    step: number,
    marker: { fromSession: string; title: string },
    reason: Required<Pick<StopReason, "by" | "limit" | "used">>,
  ): void {
    const { notifier } = this.deps
    // Several copies (1.0) hear the same step: one stop.
    if (!firstInProcess(`${reason.by}:${sessionID}:${step}`)) return
    this.stop(marker.fromSession, [sessionID], reason).then(
      ([result]) => {
        if (result?.was === "running") notifier.warn(`Stopped ${marker.title}: ${stopReason(reason)}.`, { sessionID })
      },
      (error: unknown) =>
        notifier.warn(`Could not stop ${sessionID} at ${reason.by === "max-tokens" ? "maxTokens" : "maxTreeTokens"}: ${describeError(error)}`, { sessionID }),
    )
  }

  private async stopOne(callerID: string, sessionID: string, reason: StopReason, running: ReadonlySet<string>): Promise<StopResult> {
    const { book, launcher, lifecycle, opencode } = this.deps
    const dropped = book.abort(sessionID).flatMap((handoff) => (handoff.followUp ? [handoff.followUp.id] : []))
    const droppedFollowUps = dropped.length
    const marker: StopMarker = { kind: "stop", fromSession: callerID, ...reason, ...(dropped.length ? { dropped } : {}) }
    const stopped = { type: "stopped" as const, how: { state: "stopped" as const, ...reason } }
    if (launcher.dropOne(callerID, sessionID)) {
      lifecycle.change(sessionID, stopped)
      this.note(sessionID, marker)
      return { sessionID, was: "waiting", droppedFollowUps }
    }
    if (!running.has(sessionID)) return { sessionID, was: "finished", droppedFollowUps }
    const before = lifecycle.life(sessionID)
    lifecycle.change(sessionID, stopped)
    this.winding.set(sessionID, { marker, timer: setTimeout(() => this.turnEnded(sessionID), WIND_DOWN_MS).unref() })
    try {
      await opencode.abort(sessionID)
    } catch (error) {
      clearTimeout(this.winding.get(sessionID)?.timer)
      this.winding.delete(sessionID)
      // Not stopped after all: it runs on as it was.
      if (before) lifecycle.change(sessionID, { type: "unstopped", before })
      throw error
    }
    return { sessionID, was: "running", droppedFollowUps }
  }

  /** Stores the stop's marker in the session, after its turn: the reason survives a restart, and the session's history shows it. */
  private note(sessionID: string, marker: StopMarker): void {
    const agent = this.deps.lifecycle.life(sessionID)?.marker.agent ?? "build"
    this.deps.opencode
      .store(sessionID, { agent, text: (this.deps.wording ?? asWritten)(words.header.stopped(marker)), metadata: markerMetadata(marker) })
      .catch((error: unknown) =>
        this.deps.notifier.warn(
          `Session ${sessionID} is stopped, but why could not be noted in it (it may read as interrupted after a restart): ${describeError(error)}`,
          {
            sessionID,
          },
        ),
      )
  }
}

/** The turn the person interrupted: the user message the caller's aborted answer answers. */
function abortedTurn(messages: readonly Stored[]): string | undefined {
  const aborted = [...messages].reverse().find((message) => message.info.role === "assistant" && message.info.error?.name === "MessageAbortedError")
  return aborted?.info.parentID
}
