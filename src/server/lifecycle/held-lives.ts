import { BoundedMap, BoundedSet } from "../../core/bounded.js"
import { sessionLabel } from "../../core/format.js"
import type { Asker, Life } from "../../core/life.js"
import { startedIn, startMarkerOf } from "../../core/lineage.js"
import { lifeFromStore, NOTHING_SPENT, totalSpent, type Caller, type Spent, type StoredLife } from "../../core/outcome.js"
import type { Stored } from "../../core/stored.js"
import type { Opencode } from "../host/opencode.js"
import { answersOf, mapLimited, READ_CONCURRENCY, readSession } from "./from-store.js"

/** Sessions remembered: their lives, which ones the tool did not start, which run, which are gone. */
export const REMEMBERED = 2_000

/** A life this copy holds: as the store would tell it, and the turn of its caller each of its owed turns was asked for in (for reports). */
/** `arrival`: when the call that started it reached the tool (performance.now()), for one made by this copy. */
export type Held = StoredLife & { askedIn: Map<string, number>; arrival?: number }

/**
 * The lives a copy of the plugin holds, and how they are read: from memory, or back from
 * OpenCode's store for one it does not hold (after a restart, or started by another copy). Only
 * the lifecycle (./lifecycle.ts), which builds on this, changes them.
 */
export class HeldLives {
  protected readonly held = new BoundedMap<string, Held>(REMEMBERED)
  /** Sessions found not to be started by the tool, or gone: not read again. */
  protected readonly others = new BoundedSet<string>(REMEMBERED)
  /** Sessions a turn runs in now, as OpenCode said. */
  protected readonly running = new BoundedSet<string>(REMEMBERED)
  private readonly reading = new Map<string, Promise<Held | undefined>>()

  constructor(protected readonly opencode: Opencode) {}

  /** The life of a started session this copy holds. */
  life(sessionID: string): Life | undefined {
    return this.held.get(sessionID)?.life
  }

  /** A session as a model names it (core/format.ts sessionLabel), by the name this copy holds for it. */
  label(sessionID: string): string {
    return sessionLabel(sessionID, this.life(sessionID)?.marker.name)
  }

  /** What a started session's own turns have cost so far. */
  spent(sessionID: string): Spent {
    const held = this.held.get(sessionID)
    return held ? totalSpent(held.usage.values()) : NOTHING_SPENT
  }

  /** The started sessions this copy holds whose caller is `callerID`. */
  heldChildren(callerID: string): Life[] {
    const children = [...this.held.values()].filter((held) => held.life.marker.fromSession === callerID)
    // A step's starts are made at once and held as each is made: their calls' arrival keeps them in call order.
    return children.sort((a, b) => (a.arrival ?? Number.MAX_VALUE) - (b.arrival ?? Number.MAX_VALUE)).map((held) => held.life)
  }

  /**
   * Every started session under `sessionID`, at every depth, read back from the store where this
   * copy does not hold it (after a restart): for `status`, which counts what a tree cost.
   * `lives`: those it started, read already.
   */
  async readTree(lives: readonly Life[]): Promise<void> {
    for (let level = lives; level.length;) {
      const below = await mapLimited(level, READ_CONCURRENCY, async (life) => {
        const started = this.held.get(life.sessionID)?.started ?? []
        if (started.every((id) => this.held.has(id) || this.others.has(id))) return this.heldChildren(life.sessionID)
        return this.livesOf(life.sessionID, (await readSession(this.opencode, life.sessionID)) ?? [])
      })
      level = below.flat()
    }
  }

  /** Every started session under `sessionID` this copy holds, at every depth (what it started, what those started…). */
  descendants(sessionID: string): Life[] {
    const found: Life[] = []
    for (let level = this.heldChildren(sessionID); level.length; level = level.flatMap((life) => this.heldChildren(life.sessionID))) found.push(...level)
    return found
  }

  /** Who waits on the person in `sessionID`'s tree: itself (if the tool started it), and every session under it. */
  askersUnder(sessionID: string): Asker[] {
    return [this.life(sessionID), ...this.descendants(sessionID)].flatMap((life) =>
      life?.state.state === "asking" ? [{ sessionID: life.sessionID, title: life.marker.title, agent: life.marker.agent, asks: life.state.asks }] : [],
    )
  }

  /** Whether `sessionID` was started, at any depth, under `ancestorID`. */
  isUnder(sessionID: string, ancestorID: string): boolean {
    const seen = new Set<string>()
    for (let life = this.life(sessionID); life && !seen.has(life.sessionID); life = this.life(life.marker.fromSession)) {
      if (life.marker.fromSession === ancestorID) return true
      seen.add(life.sessionID)
    }
    return false
  }

  /** What everything started under `sessionID` has cost, at every depth. */
  treeSpent(sessionID: string): Spent {
    return totalSpent(this.descendants(sessionID).map((life) => this.spent(life.sessionID)))
  }

  /** The session at the top of `sessionID`'s tree: the person's session everything in it descends from (itself, if the tool did not start it). */
  rootOf(sessionID: string): string {
    const seen = new Set<string>()
    let id = sessionID
    for (let life = this.life(id); life && !seen.has(id); life = this.life(id)) {
      seen.add(id)
      id = life.marker.fromSession
    }
    return id
  }

  /**
   * How deep `sessionID` is (the person's session is 0): its start marker says, or its caller's
   * depth plus one for a marker from before depths were written down; read back where not held.
   */
  async depthOf(sessionID: string, seen: ReadonlySet<string> = new Set()): Promise<number> {
    const life = seen.has(sessionID) ? undefined : await this.find(sessionID)
    if (!life) return 0
    return life.marker.depth ?? (await this.depthOf(life.marker.fromSession, new Set([...seen, sessionID]))) + 1
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

  /** The answer's text of turn `key` of `sessionID`, if this copy kept it (as the turn ended, or read once). */
  knownAnswer(sessionID: string, key: string): string | undefined {
    return this.held.get(sessionID)?.answers.get(key)
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

  /** Reads one session's life from the store (once at a time); a `known` caller spares a read of its messages. */
  protected read(sessionID: string, known?: Caller): Promise<Held | undefined> {
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
        if (!this.held.has(sessionID)) this.held.set(sessionID, { ...stored, askedIn: new Map() })
        return this.held.get(sessionID)
      })().finally(() => this.reading.delete(sessionID))
      this.reading.set(sessionID, reading)
    }
    return reading
  }
}
