import type { FirstTurn } from "./first-turn.js"

/**
 * Where each caller's started sessions stand before and during their first turn: running, held
 * until the caller's step is over (isolated ones), or waiting for a free place. Bookkeeping
 * only: the launcher decides, the reporter and the tool read it.
 */
export class Places {
  private readonly running = new Map<string, Set<string>>()
  private readonly waiting = new Map<string, FirstTurn[]>()
  private readonly held = new Map<string, FirstTurn[]>()

  /** The first turns `callerID` runs now or has held, which count against its limit. */
  taken(callerID: string): number {
    return (this.running.get(callerID)?.size ?? 0) + (this.held.get(callerID)?.length ?? 0)
  }

  /** The tool started this session's first turn here, and it has not ended yet. */
  isRunning(sessionID: string): boolean {
    for (const sessions of this.running.values()) if (sessions.has(sessionID)) return true
    return false
  }

  /** Sessions `callerID` started that have not begun yet (a free place, or the end of its step), in the order they will start. */
  waitingFor(callerID: string): string[] {
    return [...(this.held.get(callerID) ?? []), ...(this.waiting.get(callerID) ?? [])].map((entry) => entry.session.id)
  }

  run(callerID: string, sessionID: string): void {
    this.running.set(callerID, (this.running.get(callerID) ?? new Set<string>()).add(sessionID))
  }

  wait(entry: FirstTurn): void {
    this.waiting.set(entry.call.sessionID, [...(this.waiting.get(entry.call.sessionID) ?? []), entry])
  }

  hold(entry: FirstTurn): void {
    this.held.set(entry.call.sessionID, [...(this.held.get(entry.call.sessionID) ?? []), entry])
  }

  /** The caller's step is over: what it held may begin. */
  release(callerID: string): FirstTurn[] {
    const held = this.held.get(callerID) ?? []
    this.held.delete(callerID)
    return held
  }

  /** A first turn ended: its place is free, and the next waiting one (if any) takes it. */
  free(callerID: string, sessionID: string): FirstTurn | undefined {
    const running = this.running.get(callerID)
    running?.delete(sessionID)
    if (running?.size === 0) this.running.delete(callerID)
    const queue = this.waiting.get(callerID)
    const next = queue?.shift()
    if (queue?.length === 0) this.waiting.delete(callerID)
    return next
  }

  /** Drops what `callerID` has waiting or held (an interruption): the ids of those sessions. */
  drop(callerID: string): string[] {
    const dropped = this.waitingFor(callerID)
    this.waiting.delete(callerID)
    this.held.delete(callerID)
    return dropped
  }

  /** Drops one session `callerID` has waiting or held (a stop): whether it was there. */
  dropOne(callerID: string, sessionID: string): boolean {
    let found = false
    for (const lists of [this.waiting, this.held]) {
      const list = lists.get(callerID)
      const kept = list?.filter((entry) => entry.session.id !== sessionID)
      if (!list || !kept || kept.length === list.length) continue
      found = true
      if (kept.length) lists.set(callerID, kept)
      else lists.delete(callerID)
    }
    return found
  }

  /** Drops everything not begun yet, of every caller: how many. */
  dropAll(): number {
    const count = [...this.waiting.values(), ...this.held.values()].reduce((sum, queue) => sum + queue.length, 0)
    this.waiting.clear()
    this.held.clear()
    return count
  }

  forget(callerID: string): void {
    this.drop(callerID)
    this.running.delete(callerID)
  }
}
