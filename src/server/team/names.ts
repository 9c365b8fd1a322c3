import { goesBy, type Life } from "../../core/life.js"
import { SessionToolError } from "../host/errors.js"
import { words } from "../words/index.js"

/** How long a name nobody holds yet is waited for: a start earlier in the same step may not have reached the tool yet. */
export const SAME_STEP_GRACE_MS = 1_000

/** A name asked for by a start under way: its session's id once made, undefined if the start failed. */
export type Reservation = { made(sessionID: string): void; failed(): void }

/** A start under way: its session's id once made (undefined if it failed). */
type Reserved = { sessionID: Promise<string | undefined> }

/**
 * The names a caller's started sessions go by. A session's name is in its start marker once it is
 * made; before that, from the moment its call reaches the tool, the name is reserved here: OpenCode
 * runs one step's calls at once, so a start `after` a session named in the same step must find it
 * (and wait for it to be made) even though its call has not finished.
 */
export class Names {
  private readonly reserved = new Map<string, Map<string, Reserved>>()
  /** Per caller: which start under way (by name) waits for which names. */
  private readonly waits = new Map<string, Map<string, Set<string>>>()
  private readonly listeners = new Set<() => void>()

  /** `held`: the lives of the sessions a caller started that this copy holds, as they are now. */
  constructor(private readonly held: (callerID: string) => readonly Life[]) {}

  /** Reserves `name` among `callerID`'s starts under way; undefined if another start under way holds it. Synchronous: call it before any await. */
  reserve(callerID: string, name: string): Reservation | undefined {
    const names = this.reserved.get(callerID) ?? new Map<string, Reserved>()
    if (names.has(name)) return undefined
    let settle!: (sessionID: string | undefined) => void
    const sessionID = new Promise<string | undefined>((resolve) => (settle = resolve))
    names.set(name, { sessionID })
    this.reserved.set(callerID, names)
    for (const listener of [...this.listeners]) listener()
    let settled = false
    const done = (id: string | undefined) => {
      if (settled) return
      settled = true
      settle(id)
      names.delete(name)
      if (names.size === 0 && this.reserved.get(callerID) === names) this.reserved.delete(callerID)
    }
    return { made: (id) => done(id), failed: () => done(undefined) }
  }

  /**
   * The id of the session `callerID` started that `nameOrID` names (its id, or its name): among
   * the lives held now and `stored` (read back), or a start under way (waited for), or one that
   * reaches the tool within the grace. `waiter`: the name of the start that asks, if it has one;
   * a start under way that waits, in turn, for it is a cycle (refused: neither could begin).
   */
  async idOf(callerID: string, nameOrID: string, stored: readonly Life[] = [], waiter?: string): Promise<string | undefined> {
    const known = this.known(callerID, nameOrID, stored)
    if (known) return known
    const underWay = this.reserved.get(callerID)?.get(nameOrID) ?? (await this.reservedWithin(callerID, nameOrID, stored))
    if (typeof underWay !== "object") return underWay
    if (!waiter) return underWay.sessionID
    if (this.reaches(callerID, nameOrID, waiter)) throw new SessionToolError(words.refusal.afterCycle(waiter, nameOrID))
    const waits = this.waits.get(callerID) ?? new Map<string, Set<string>>()
    this.waits.set(callerID, waits)
    const targets = waits.get(waiter) ?? new Set<string>()
    waits.set(waiter, targets.add(nameOrID))
    try {
      return await underWay.sessionID
    } finally {
      targets.delete(nameOrID)
      if (targets.size === 0) waits.delete(waiter)
      if (waits.size === 0) this.waits.delete(callerID)
    }
  }

  /** Whether the start under way named `from` waits, directly or through others, for `to`. */
  private reaches(callerID: string, from: string, to: string, seen = new Set<string>()): boolean {
    if (from === to) return true
    if (seen.has(from)) return false
    seen.add(from)
    return [...(this.waits.get(callerID)?.get(from) ?? [])].some((next) => this.reaches(callerID, next, to, seen))
  }

  private known(callerID: string, nameOrID: string, stored: readonly Life[]): string | undefined {
    return (this.held(callerID).find(goesBy(nameOrID)) ?? stored.find(goesBy(nameOrID)))?.sessionID
  }

  private reservedWithin(callerID: string, name: string, stored: readonly Life[]): Promise<Reserved | string | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.reserved.get(callerID)?.get(name) ?? this.known(callerID, name, stored)
        if (found) finish(found)
      }
      const finish = (found: Reserved | string | undefined) => {
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve(found)
      }
      const timer = setTimeout(() => finish(undefined), SAME_STEP_GRACE_MS)
      this.listeners.add(check)
    })
  }
}
