import { join } from "node:path"
import { isRunning, type Life } from "../../core/life.js"
import type { Isolation, StartMarker } from "../../core/protocol.js"
import type { Call, Launched } from "../../core/types.js"
import { BoundedSet } from "../../core/bounded.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { PlannedIsolation } from "../isolation/placement.js"
import type { Worktrees } from "../isolation/worktrees.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import type { Wording } from "../words/index.js"
import { AfterOthers } from "./after.js"
import type { FirstTurn, FirstTurns, StartedSession } from "./first-turn.js"

const REMEMBERED = 2_000

export type LauncherDeps = {
  turns: FirstTurns
  lifecycle: Lifecycle
  notifier: Notifier
  worktrees: Worktrees
  maxRunning: number
  /** Whether nothing will go on in `sessionID`'s running turn after the answer it gave (started/after.ts). */
  quiet: (sessionID: string) => boolean
  wording?: Wording
}

/**
 * Decides when the first turn of a session started by `new` or `fork` begins (./first-turn.ts
 * runs it), without making the caller wait for its answer. A caller runs at most `maxRunning`
 * such sessions at once; further ones are made at once (a fork holds the history as it was at
 * the call) and start, in call order, as others finish. Isolated ones start once the caller's
 * step that made them is over. The lifecycle holds where each stands; the launcher keeps what
 * starting them needs, in order.
 */
export class Launcher {
  /** First turns not begun yet, per caller: held until the caller's step is over (isolated), or waiting for a place. */
  private readonly held = new Map<string, FirstTurn[]>()
  private readonly waiting = new Map<string, FirstTurn[]>()
  /** Sessions this copy started: what follows their first turn is its to do. */
  private readonly launched = new BoundedSet<string>(REMEMBERED)
  /** First turns waiting for other sessions' answers (`after`). */
  private readonly after: AfterOthers

  constructor(private readonly deps: LauncherDeps) {
    // The caller's step that made it is long over: an isolated one starts at once.
    const ready = (entry: FirstTurn) => void this.place(entry, true).catch((error: unknown) => this.failed(entry, error))
    this.after = new AfterOthers({ lifecycle: deps.lifecycle, notifier: deps.notifier, wording: deps.wording, ready, quiet: deps.quiet })
  }

  /** Starts `session`'s first turn (in its own worktree when `planned` says where), or queues it behind the caller's running ones. */
  async launch(call: Call, mode: "new" | "fork", session: StartedSession, planned?: PlannedIsolation, { retitle = false } = {}): Promise<Launched> {
    const marker: StartMarker = {
      kind: "start",
      fromAgent: call.callerAgent,
      fromSession: call.sessionID,
      mode,
      agent: call.agent,
      report: call.report,
      call: call.messageID,
      title: session.title,
      ...(call.depth === undefined ? {} : { depth: call.depth }),
      ...(call.name ? { name: call.name } : {}),
      ...(call.after?.length ? { after: call.after } : {}),
    }
    this.deps.lifecycle.started(session.id, marker, call.arrival)
    this.launched.add(session.id)
    const entry: FirstTurn = { call, session, marker, planned, retitle }
    if (call.after?.length) {
      // Titled now: it may wait a while, and the person sees it in the session list meanwhile.
      if (retitle) this.deps.turns.retitle(session)
      this.after.hold(entry, call.after)
      return { kind: "after", on: call.after.map((id) => this.deps.lifecycle.label(id)) }
    }
    return this.place(entry)
  }

  /** Where a first turn goes once it may start: behind the caller's running ones, held for its step (isolated), or begun now. */
  private async place(entry: FirstTurn, stepIsOver = false): Promise<Launched> {
    const { lifecycle, turns, notifier, maxRunning } = this.deps
    const { call, session, planned, retitle } = entry
    const running = this.taken(call.sessionID)
    if (running >= maxRunning) {
      // Titled now: it may wait a while, and the person sees it in the session list meanwhile.
      if (retitle) turns.retitle(session)
      this.queue(this.waiting, entry)
      notifier.info(`${call.callerAgent} queued ${call.agent}: ${session.title} (${running} running)`)
      return { kind: "waiting", running }
    }
    if (planned && !stepIsOver) {
      // Making a worktree takes seconds in a large repository: the caller's turn goes on meanwhile,
      // and the person hears of the session once it runs there.
      this.queue(this.held, entry)
      lifecycle.change(session.id, { type: "wait", for: "step" })
      return { kind: "isolated", directory: join(planned.directory, planned.prefix), branch: planned.branch }
    }
    await this.start(entry)
    return { kind: "started" }
  }

  /**
   * The caller's step that made isolated calls is over (its next model request is going out, or
   * its turn ended): their worktrees are made now. Made earlier, checking out whole trees would
   * compete with the rest of that step for the processor.
   */
  stepOver(callerID: string): void {
    const held = this.held.get(callerID) ?? []
    this.held.delete(callerID)
    for (const entry of held) this.begin(entry)
  }

  /** The running turn of `sessionID` gave its answer: a start waiting `after` it may begin. */
  answerGiven(sessionID: string): void {
    this.after.changed(this.deps.lifecycle.life(sessionID))
  }

  /** A started session's life changed: once its first turn is over, its place goes to the next one waiting, and an isolated one that changed nothing loses its worktree. */
  changed(life: Life | undefined, keys: readonly string[]): void {
    this.after.changed(life)
    if (!life || !keys.includes(life.sessionID)) return
    const first = life.turns[0]?.state
    if (!first || isRunning(first) || first.state === "waiting" || first.state === "never-started") return
    // Its place is free for the next start waiting here, whichever copy launched it (one read back after a restart too).
    this.next(life.marker.fromSession)
    if (!this.launched.delete(life.sessionID)) return
    if (life.marker.isolation && first.state !== "deleted") this.tidy(life, life.marker.isolation)
  }

  /** Whether `sessionID` was still to begin here (held or waiting): it no longer will (a stop; its life says why). */
  dropOne(callerID: string, sessionID: string): boolean {
    let found = this.after.drop(callerID, sessionID)
    for (const lists of [this.waiting, this.held]) {
      const list = lists.get(callerID) ?? []
      const kept = list.filter((entry) => entry.session.id !== sessionID)
      if (kept.length === list.length) continue
      found = true
      if (kept.length) lists.set(callerID, kept)
      else lists.delete(callerID)
    }
    return found
  }

  /**
   * The person interrupted the caller: like its queued hand-offs, its sessions still waiting for a
   * place will not start. They stay, without a turn, for the person to run or delete.
   */
  cancelWaiting(callerID: string): string[] {
    const dropped = [
      ...[...(this.held.get(callerID) ?? []), ...(this.waiting.get(callerID) ?? [])].map((entry) => entry.session.id),
      ...this.after.dropAll(callerID),
    ]
    this.held.delete(callerID)
    this.waiting.delete(callerID)
    for (const sessionID of dropped) this.deps.lifecycle.change(sessionID, { type: "dropped" })
    if (dropped.length > 0) {
      this.deps.notifier.warn(
        `Interrupted: ${dropped.length} waiting session${dropped.length > 1 ? "s" : ""} will not start (${dropped.join(", ")}); send one a message to run it.`,
        { sessionID: callerID },
      )
    }
    return dropped
  }

  /** A session was deleted: what it had waiting goes, and it no longer waits itself. */
  forget(sessionID: string): void {
    this.after.forget(sessionID)
    this.waiting.delete(sessionID)
    this.held.delete(sessionID)
    for (const callerID of new Set([...this.waiting.keys(), ...this.held.keys()])) this.dropOne(callerID, sessionID)
  }

  /**
   * OpenCode is unloading this copy of the plugin: sessions still waiting are left to the next
   * copy, which starts them from their records (state/recovery.ts); none may start twice.
   */
  stop(): number {
    const count = [...this.waiting.values(), ...this.held.values()].reduce((sum, list) => sum + list.length, this.after.clear())
    this.waiting.clear()
    this.held.clear()
    return count
  }

  /** The first turns `callerID` runs now or holds, which count against its limit. */
  private taken(callerID: string): number {
    return this.deps.lifecycle.heldChildren(callerID).filter((life) => {
      const first = life.turns[0]?.state
      return first !== undefined && (isRunning(first) || (first.state === "waiting" && first.for === "step"))
    }).length
  }

  private queue(lists: Map<string, FirstTurn[]>, entry: FirstTurn): void {
    lists.set(entry.call.sessionID, [...(lists.get(entry.call.sessionID) ?? []), entry])
  }

  /** A place may be free: the next waiting session of that caller starts. */
  private next(callerID: string): void {
    const queue = this.waiting.get(callerID)
    if (!queue?.length || this.taken(callerID) >= this.deps.maxRunning) return
    const entry = queue.shift()!
    if (queue.length === 0) this.waiting.delete(callerID)
    this.begin(entry)
  }

  /** Starts a session's first turn in the background: a failure reaches the person, not the caller's tool call. */
  private begin(entry: FirstTurn): void {
    this.start(entry).catch((error: unknown) => this.failed(entry, error))
  }

  private failed(entry: FirstTurn, error: unknown): void {
    this.deps.notifier.error(`${entry.session.title} could not start: ${describeError(error)}`, { sessionID: entry.session.id })
  }

  /** Starts the first turn; resolves once it is under way (a failed start ends it, freeing its place, and throws). */
  private async start(entry: FirstTurn): Promise<void> {
    const { lifecycle, turns, notifier } = this.deps
    const { call, session, marker, planned } = entry
    lifecycle.change(session.id, { type: "began" })
    const begun = await turns.begin(entry).catch((error: unknown) => {
      // A start that fails removes its half-made session (first-turn.ts): it is forgotten, and its place is free.
      lifecycle.deleted(session.id)
      throw error
    })
    notifier.info(
      `${call.callerAgent} ${marker.mode === "fork" ? "forked" : "started"} ${call.agent}: ${session.title}${planned ? " (in its own worktree)" : ""}`,
    )
    void begun.outcome.then(({ how, answer }) => lifecycle.answered(session.id, how, answer))
  }

  /** An isolated session that changed nothing in its first turn needs no worktree: it goes, and the person hears of it. */
  private tidy(life: Life, isolation: Isolation): void {
    const { worktrees, notifier } = this.deps
    worktrees.removeIfUnchanged(life.sessionID, isolation).then(
      (removed) => {
        if (removed) notifier.info(`${life.marker.title} changed nothing: its worktree is removed, and it continues in your folder if resumed.`)
      },
      (error: unknown) =>
        notifier.warn(`Could not tidy ${life.marker.title}'s worktree ${isolation.directory}: ${describeError(error)}`, { sessionID: life.sessionID }),
    )
  }
}
