import { BoundedMap, BoundedSet } from "../../core/bounded.js"
import type { Bus } from "../../core/bus.js"
import { firstLife, isRunning as runs, next, type Ended, type Life, type LifeEvent } from "../../core/life.js"
import { startedIn, startMarkerOf } from "../../core/lineage.js"
import { lifeFromStore, NOTHING_SPENT, totalSpent, type Caller, type Spent, type StoredLife } from "../../core/outcome.js"
import type { StartMarker } from "../../core/protocol.js"
import type { Stored } from "../../core/stored.js"
import { describeError } from "../host/errors.js"
import type { Opencode } from "../host/opencode.js"
import { answersOf, mapLimited, READ_CONCURRENCY, readSession } from "./from-store.js"
import { LifeChanged, SessionDeleted, TurnBegan, TurnEnded, TurnFailed, TurnInterrupted } from "./signals.js"

/** Sessions remembered: their lives, which ones the tool did not start, which run, which are gone. */
const REMEMBERED = 2_000

/**
 * The one owner of what the sessions the tool started are doing (core/life.ts), and of whether a
 * turn runs in any session. OpenCode's signals reach it once (./opencode-events.ts) and what the
 * plugin does to a started session reaches it as a life event; it changes a life only through
 * the pure transition, and tells the rest of the plugin on the bus: TurnBegan and TurnEnded once
 * per turn, TurnInterrupted, TurnFailed, SessionDeleted, LifeChanged. Memory is a cache of the
 * store: a life it does not hold is read back from OpenCode (./from-store.ts).
 */
export class Lifecycle {
  private readonly held = new BoundedMap<string, StoredLife>(REMEMBERED)
  /** Sessions found not to be started by the tool: their turns cost no read. */
  private readonly others = new BoundedSet<string>(REMEMBERED)
  /** Sessions a turn runs in now. */
  private readonly running = new BoundedSet<string>(REMEMBERED)
  /** How the running turn of a session is ending, as OpenCode's signals told before its idle. */
  private readonly endings = new BoundedMap<string, Ended>(REMEMBERED)
  /** Sessions deleted: late signals about them change nothing. */
  private readonly gone = new BoundedSet<string>(REMEMBERED)
  private readonly reading = new Map<string, Promise<StoredLife | undefined>>()

  constructor(
    private readonly bus: Bus,
    private readonly opencode: Opencode,
    /** Hears what could not be read back (the person is told). */
    private readonly warn: (message: string) => void,
  ) {}

  /** The tool started `sessionID` with this marker on its first message: its first turn waits to be sent. */
  started(sessionID: string, marker: StartMarker): void {
    this.others.delete(sessionID)
    this.held.set(sessionID, { life: firstLife(sessionID, marker), usage: new Map(), answers: new Map(), since: Date.now() })
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
    if (!was && (event.type === "began" || event.type === "delivered")) this.endings.delete(sessionID)
    this.apply(held, event)
    this.told(sessionID, was)
  }

  /** OpenCode says a turn runs in `sessionID` (a busy status, a step's model request, a tool call there). */
  began(sessionID: string): void {
    if (this.running.has(sessionID)) return
    const was = this.isRunning(sessionID)
    this.running.add(sessionID)
    if (!was) this.endings.delete(sessionID)
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "began" })
    this.told(sessionID, was)
  }

  /** OpenCode says the turn in `sessionID` ended (its idle), in order with its other events. */
  ended(sessionID: string): void {
    const was = this.isRunning(sessionID)
    const held = this.held.get(sessionID)
    if (held) this.apply(held, { type: "ended", how: this.endings.get(sessionID) ?? { state: "answered" } })
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
    const running = held.life.turns.filter((turn) => turn.state.state === "running").map((turn) => turn.key)
    this.apply(held, { type: "ended", how })
    if (answer !== undefined && how.state === "answered") for (const key of running) held.answers.set(key, answer)
    this.told(sessionID, was)
  }

  /** One TurnBegan and one TurnEnded per turn, whichever signal made it begin or end. */
  private told(sessionID: string, was: boolean): void {
    const now = this.isRunning(sessionID)
    if (now !== was) this.bus.publish(now ? TurnBegan : TurnEnded, { sessionID })
  }

  /** The person interrupted the turn in `sessionID` (`turn`: the user message it answers, when the signal says). Once per turn. */
  interrupted(sessionID: string, turn?: string): void {
    if (this.endings.get(sessionID)?.state === "interrupted") return
    this.endings.set(sessionID, { state: "interrupted" })
    this.bus.publish(TurnInterrupted, { sessionID, ...(turn ? { turn } : {}) })
  }

  failed(sessionID: string, error: string): void {
    this.endings.set(sessionID, { state: "failed", error })
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

  life(sessionID: string): Life | undefined {
    return this.held.get(sessionID)?.life
  }

  /** What a started session's own turns have cost so far. */
  spent(sessionID: string): Spent {
    const held = this.held.get(sessionID)
    return held ? totalSpent(held.usage.values()) : NOTHING_SPENT
  }

  /** The started sessions this copy holds whose caller is `callerID`. */
  heldChildren(callerID: string): Life[] {
    return [...this.held.values()].map((held) => held.life).filter((life) => life.marker.fromSession === callerID)
  }

  /** The life of `sessionID`, read back from the store if this copy does not hold it; undefined if the tool did not start it (or it is gone). */
  async find(sessionID: string): Promise<Life | undefined> {
    const held = this.held.get(sessionID)
    if (held || this.others.has(sessionID)) return held?.life
    return (await this.read(sessionID))?.life
  }

  /** Every session `callerID` started, in call order, with its life (read back where not held). */
  async livesOf(callerID: string, callerMessages: readonly Stored[]): Promise<Life[]> {
    const ids = startedIn(callerMessages)
    for (const life of this.heldChildren(callerID)) if (!ids.includes(life.sessionID)) ids.push(life.sessionID)
    const lives = await mapLimited(ids, READ_CONCURRENCY, async (sessionID) => {
      const held = this.held.get(sessionID)
      if (held || this.others.has(sessionID)) return held?.life
      return (await this.read(sessionID, { id: callerID, messages: callerMessages }))?.life
    })
    return lives.filter((life): life is Life => life !== undefined)
  }

  /** The answers' texts of these turns of a started session (those that answered): from the store, read once. */
  async answers(life: Life, keys: readonly string[]): Promise<Map<string, string>> {
    const held = this.held.get(life.sessionID)
    const missing = keys.filter((key) => !held?.answers.has(key))
    if (missing.length) for (const [key, answer] of await answersOf(this.opencode, life, missing)) held?.answers.set(key, answer)
    return new Map(keys.flatMap((key) => (held?.answers.has(key) ? [[key, held.answers.get(key) ?? ""] as const] : [])))
  }

  /** How many lives this copy holds: for the memory benchmark and tests. */
  size(): number {
    return this.held.size
  }

  private apply(held: StoredLife, event: LifeEvent): void {
    const before = held.life
    const after = next(before, event)
    if (after === before) return
    held.life = after
    const keys = after.turns.filter((turn, index) => turn !== before.turns[index]).map((turn) => turn.key)
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

  /** Reads one session's life from the store (once at a time); a `known` caller spares a read of its messages. */
  private read(sessionID: string, known?: Caller): Promise<StoredLife | undefined> {
    let reading = this.reading.get(sessionID)
    if (!reading) {
      reading = (async () => {
        const messages = await readSession(this.opencode, sessionID)
        const callerID = known?.id ?? (messages && startMarkerOf(messages)?.fromSession)
        const caller = known ?? (callerID ? { id: callerID, messages: (await readSession(this.opencode, callerID)) ?? [] } : undefined)
        const stored = messages && caller && lifeFromStore(sessionID, messages, caller, this.running.has(sessionID))
        if (!stored) {
          // Gone, or not the tool's: not read again.
          if (!messages || !known) this.others.add(sessionID)
          return undefined
        }
        if (!this.held.has(sessionID)) this.held.set(sessionID, stored)
        return this.held.get(sessionID)
      })().finally(() => this.reading.delete(sessionID))
      this.reading.set(sessionID, reading)
    }
    return reading
  }
}
