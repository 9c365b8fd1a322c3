import { BoundedSet } from "../../core/bounded.js"
import type { Bus } from "../../core/bus.js"
import { firstLife, isRunning as runs, next, type Ask, type Ended, type LifeEvent } from "../../core/life.js"
import type { Spent } from "../../core/outcome.js"
import type { StartMarker } from "../../core/protocol.js"
import { describeError } from "../host/errors.js"
import type { Opencode } from "../host/opencode.js"
import { HeldLives, REMEMBERED, type Held } from "./held-lives.js"
import { AnswerGiven, Asked, LifeChanged, SessionDeleted, TurnBegan, TurnEnded, TurnFailed, TurnInterrupted } from "./signals.js"
import { TurnNotes } from "./turn-notes.js"

/**
 * The one owner of what the sessions the tool started are doing (core/life.ts), and of whether a
 * turn runs in any session. OpenCode's signals reach it once (./opencode-events.ts) and what the
 * plugin does to a started session reaches it as a life event; it changes a life only through
 * the pure transition, and tells the rest of the plugin on the bus: TurnBegan and TurnEnded once
 * per turn, TurnInterrupted, TurnFailed, SessionDeleted, LifeChanged. Memory is a cache of the
 * store: a life it does not hold is read back from OpenCode (./from-store.ts).
 */
export class Lifecycle extends HeldLives {
  private readonly notes = new TurnNotes()
  /** Sessions deleted: late signals about them change nothing. */
  private readonly gone = new BoundedSet<string>(REMEMBERED)
  constructor(
    private readonly bus: Bus,
    opencode: Opencode,
    /** Hears what could not be read back (the person is told). */
    private readonly warn: (message: string) => void,
  ) {
    super(opencode)
  }

  /** The tool started `sessionID` with this marker on its first message: its first turn waits to be sent. */
  started(sessionID: string, marker: StartMarker, arrival = performance.now()): void {
    this.others.delete(sessionID)
    const askedIn = new Map([[sessionID, this.notes.begun(marker.fromSession)]])
    const life = firstLife(sessionID, marker)
    this.held.set(sessionID, { life, usage: new Map(), answers: new Map(), since: Date.now(), started: [], askedIn, arrival })
  }

  /** Its worktree is made: from now on its marker names it (and its turns run where this copy does not hear them). */
  placed(sessionID: string, marker: StartMarker): void {
    const held = this.held.get(sessionID)
    if (held) held.life = { ...held.life, marker }
  }

  /** What happened to a started session the plugin holds: its first turn waits or is sent, a follow-up is accepted or delivered, a stop, a drop. */
  change(sessionID: string, event: LifeEvent): void {
    const held = this.held.get(sessionID)
    if (!held) return
    const was = this.isRunning(sessionID)
    if (!was && (event.type === "began" || event.type === "delivered")) this.notes.began(sessionID)
    if (event.type === "followed-up") held.askedIn.set(event.key, this.notes.begun(held.life.marker.fromSession))
    this.apply(held, event)
    this.told(sessionID, was)
  }

  /** OpenCode says a turn runs in `sessionID` (a busy status, a step's model request, a tool call there). */
  began(sessionID: string): void {
    if (this.running.has(sessionID)) return
    const was = this.isRunning(sessionID)
    this.running.add(sessionID)
    if (!was) this.notes.began(sessionID)
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "began" })
    this.told(sessionID, was)
  }

  /** OpenCode says the turn in `sessionID` ended (its idle), in order with its other events. */
  ended(sessionID: string): void {
    const was = this.isRunning(sessionID)
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "ended", how: this.notes.ending(sessionID) ?? { state: "answered" } }, this.notes.answer(sessionID))
    this.running.delete(sessionID)
    this.told(sessionID, was)
    if (was && !held && !this.others.has(sessionID)) this.cameBack(sessionID)
  }

  /**
   * A prompt the plugin sent to `sessionID` answered: its turn ended so. Its life says so at once.
   * Where OpenCode said a turn runs there, its idle (in order with its other events) says when it
   * is over, so that a turn begun meanwhile is never taken for ended; where it did not (OpenCode
   * 1.0 publishes no busy status; a session in a worktree of its own is heard by another copy of
   * the plugin), this answer does.
   */
  answered(sessionID: string, how: Ended, answer?: string): void {
    const held = this.held.get(sessionID)
    if (!held) return
    const was = this.isRunning(sessionID)
    this.apply(held, { type: "ended", how }, answer)
    this.told(sessionID, was)
  }

  /** One TurnBegan and one TurnEnded per turn, whichever signal made it begin or end. */
  private told(sessionID: string, was: boolean): void {
    const now = this.isRunning(sessionID)
    if (now !== was) this.bus.publish(now ? TurnBegan : TurnEnded, { sessionID })
  }

  /** The person interrupted the turn in `sessionID` (`turn`: the user message it answers, when the signal says). Once per turn. */
  interrupted(sessionID: string, turn?: string): void {
    if (this.notes.ending(sessionID)?.state === "interrupted") return
    this.notes.endsAs(sessionID, { state: "interrupted" })
    this.bus.publish(TurnInterrupted, { sessionID, ...(turn ? { turn } : {}) })
  }

  failed(sessionID: string, error: string): void {
    this.notes.endsAs(sessionID, { state: "failed", error })
    this.bus.publish(TurnFailed, { sessionID, error })
  }

  /** A session was deleted: told once, though both the plugin (a half-made session it removed) and OpenCode's event say it. */
  deleted(sessionID: string): void {
    if (this.gone.has(sessionID)) return
    this.gone.add(sessionID)
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "deleted" })
    this.held.delete(sessionID)
    this.others.add(sessionID)
    this.running.delete(sessionID)
    this.bus.publish(SessionDeleted, { sessionID, ...(held ? { callerID: held.life.marker.fromSession } : {}) })
  }

  /** What one answer of `sessionID` has cost so far (OpenCode updates an answer as it goes). */
  used(sessionID: string, messageID: string, created: number, spent: Spent): void {
    const held = this.held.get(sessionID)
    // A fork's copies of its caller's answers were made before it started: they are not its own.
    if (held && created >= held.since) held.usage.set(messageID, spent)
  }

  /**
   * `sessionID` asks the person something and waits (a session that asks runs, whatever this copy
   * heard before). One this copy does not hold (started before a restart) is read back first.
   */
  asked(sessionID: string, ask: Ask): void {
    const held = this.held.get(sessionID)
    if (!held) {
      if (this.others.has(sessionID)) return
      return void this.read(sessionID).then(
        (back) => back && this.asked(sessionID, ask),
        (error: unknown) => this.warn(`Could not read back session ${sessionID}, which asks the person: ${describeError(error)}`),
      )
    }
    this.began(sessionID)
    const before = held.life
    this.apply(held, { type: "asked", ask })
    if (held.life !== before) this.bus.publish(Asked, { sessionID, callerID: held.life.marker.fromSession, ask })
  }

  /** The person answered an ask of `sessionID` (or it was withdrawn). */
  askClosed(sessionID: string, id: string): void {
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "ask-closed", id })
  }

  /** The running turn of `sessionID` gave its answer in `messageID` (its last step finished, not for a tool call): its idle follows. */
  answerGiven(sessionID: string, messageID: string): void {
    if (this.held.has(sessionID) && this.isRunning(sessionID) && this.notes.gave(sessionID, messageID)) this.bus.publish(AnswerGiven, { sessionID })
  }

  /** The answer the turn running in `sessionID` gave, before its idle; undefined until it gave one. */
  givenAnswer(sessionID: string): string | undefined {
    return this.isRunning(sessionID) ? this.notes.given(sessionID) : undefined
  }

  /** A text part of an answer in `sessionID`, as OpenCode streamed it: the turn's answer, known when it ends. */
  texted(sessionID: string, messageID: string, partID: string, text: string): void {
    if (this.held.has(sessionID)) this.notes.texted(sessionID, messageID, partID, text)
  }

  /** Whether a turn runs in `sessionID` now: the one answer. */
  isRunning(sessionID: string): boolean {
    const held = this.held.get(sessionID)
    return this.running.has(sessionID) || (held !== undefined && runs(held.life.state))
  }

  /**
   * Of `sessionIDs`, those a turn runs in now. A session whose events do not reach this copy (one
   * in a worktree of its own, where the person may have resumed it) is asked of OpenCode.
   */
  async runningNow(sessionIDs: readonly string[]): Promise<Set<string>> {
    const running = new Set(sessionIDs.filter((sessionID) => this.isRunning(sessionID)))
    const unheard = sessionIDs.filter((sessionID) => !running.has(sessionID) && this.held.get(sessionID)?.life.marker.isolation)
    if (unheard.length === 0) return running
    const statuses = await this.opencode.statuses()
    for (const sessionID of unheard) if (statuses[sessionID] && statuses[sessionID].type !== "idle") running.add(sessionID)
    return running
  }

  /**
   * For an owed turn of a session this copy launched: the turn of its caller it was asked for in
   * (how many turns the caller had begun then), and whether that turn of the caller is over.
   * Undefined for a life read back from the store: there, the caller's history tells.
   */
  askedIn(sessionID: string, key: string): { turn: number; over: boolean } | undefined {
    const held = this.held.get(sessionID)
    const turn = held?.askedIn.get(key)
    if (!held || turn === undefined) return undefined
    const callerID = held.life.marker.fromSession
    return { turn, over: !this.isRunning(callerID) || this.notes.begun(callerID) > turn }
  }

  /** Moves a life by the one transition, and tells what changed; `answer`: the text of the turn that answered, kept for its report. */
  private apply(held: Held, event: LifeEvent, answer?: string): void {
    const before = held.life
    const after = next(before, event)
    if (after === before) return
    held.life = after
    const keys = after.turns.filter((turn, index) => turn !== before.turns[index]).map((turn) => turn.key)
    if (answer !== undefined && after.state.state === "answered") for (const key of keys) held.answers.set(key, answer)
    this.bus.publish(LifeChanged, { sessionID: after.sessionID, callerID: after.marker.fromSession, keys, state: after.state })
  }

  /**
   * A turn ended in a session this copy holds no life for (started before OpenCode restarted, say):
   * if the tool started it, its life comes back from the store, and everyone hears of its turns.
   */
  private cameBack(sessionID: string): void {
    this.find(sessionID).then(
      (life) => {
        if (life) this.bus.publish(LifeChanged, { sessionID, callerID: life.marker.fromSession, keys: life.turns.map((turn) => turn.key), state: life.state })
      },
      (error: unknown) => this.warn(`Could not read back session ${sessionID} after its turn ended: ${describeError(error)}`),
    )
  }
}
