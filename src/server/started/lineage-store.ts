import { startedIn, startMarkerOf } from "../../core/lineage.js"
import { NOTHING_SPENT, outcomeOf, spentIn, stoppedBy, turnOutcomes, type Outcome, type Spent } from "../../core/outcome.js"
import { messageMarker, reportKey, type Stored, type StartMarker } from "../../core/protocol.js"
import type { FollowUp } from "./follow-ups.js"
import { OpencodeCallError } from "../errors.js"
import type { Opencode } from "../host/opencode.js"

/** Reads at once, at most this many: status with hundreds of started sessions must not flood the server. */
export const READ_CONCURRENCY = 8
/** Sessions found not to be started by the tool, remembered so that their idles cost no read. */
const REMEMBERED_OTHERS = 1000

export type StartedView = StartMarker & { sessionID: string; outcome: Outcome | undefined }

/**
 * One answer a caller is owed by a session it started (see core/protocol.ts reportKey): its first
 * turn's, or the turn's a follow-up began (then `followUp` is set, with that follow-up's agent,
 * report style and calling message in place of the start's).
 */
export type OwedTurn = StartedView & { key: string; followUp?: string }

export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * Lineage as OpenCode keeps it (see core/lineage.ts), with what never changes cached: a started
 * session's marker, and the outcome of a first turn the launcher saw end. Memory is only a
 * cache: after a restart everything is read back from the store.
 */
export class LineageStore {
  private readonly markers = new Map<string, StartMarker>()
  private readonly settled = new Map<string, Outcome>()
  /** Sessions the plugin stopped, until a new turn begins there: "stopped", even before the stop's marker is stored. */
  private readonly stops = new Map<string, Outcome>()
  private readonly others = new Set<string>()
  private readonly readingMarkers = new Map<string, Promise<Stored[] | undefined>>()

  constructor(private readonly opencode: Opencode) {}

  /** The tool just started `sessionID` with this marker on its first message. */
  remember(sessionID: string, marker: StartMarker): void {
    this.markers.set(sessionID, marker)
  }

  /** The started session's first turn ended so: kept until it is read back from the store. */
  settle(sessionID: string, outcome: Outcome): void {
    this.settled.set(sessionID, outcome)
  }

  /** The plugin is stopping this session: from now on it reads as stopped, whatever its aborted turn stores. */
  stopped(sessionID: string, outcome: Outcome): void {
    this.stops.set(sessionID, outcome)
  }

  /** A new turn begins in the session (a follow-up, or the person wrote there): it is no longer stopped. */
  resumed(sessionID: string): void {
    this.stops.delete(sessionID)
    this.settled.delete(sessionID)
  }

  forget(sessionID: string): void {
    this.markers.delete(sessionID)
    this.settled.delete(sessionID)
    this.stops.delete(sessionID)
    this.others.delete(sessionID)
  }

  size(): number {
    return this.markers.size + this.settled.size + this.stops.size
  }

  known(sessionID: string): StartMarker | undefined {
    return this.markers.get(sessionID)
  }

  /** Started sessions known in memory whose marker names `parentID` (the store may not show them yet). */
  knownChildren(parentID: string): string[] {
    return [...this.markers].filter(([, marker]) => marker.fromSession === parentID).map(([id]) => id)
  }

  /**
   * How `sessionID` was started, or undefined if not by the tool (or it is gone). One read,
   * then cached. `hadTurn`: the session just ran a turn, so a missing marker is final (the tool
   * sends its marker with the first turn) and the session need never be read again.
   */
  async markerOf(sessionID: string, hadTurn = false): Promise<StartMarker | undefined> {
    const cached = this.markers.get(sessionID)
    if (cached || this.others.has(sessionID)) return cached
    return startMarkerOf((await this.readForMarker(sessionID, hadTurn)) ?? [])
  }

  /**
   * A session's whole history, read to find its marker (cached from it). Idle arrives twice,
   * so a read already on its way is shared rather than made again.
   */
  private readForMarker(sessionID: string, hadTurn: boolean): Promise<Stored[] | undefined> {
    let reading = this.readingMarkers.get(sessionID)
    if (!reading) {
      reading = this.read(sessionID)
        .then((messages) => {
          const marker = messages && startMarkerOf(messages)
          if (marker) this.markers.set(sessionID, marker)
          else if (messages && hadTurn) {
            this.others.add(sessionID)
            if (this.others.size > REMEMBERED_OTHERS) this.others.delete(this.others.values().next().value!)
          }
          return messages
        })
        .finally(() => this.readingMarkers.delete(sessionID))
      this.readingMarkers.set(sessionID, reading)
    }
    return reading
  }

  /** What became of a started session; undefined once it is deleted. */
  async outcomeOf(sessionID: string, running: boolean): Promise<Outcome | undefined> {
    if (!running && this.stops.has(sessionID)) return this.stops.get(sessionID)
    if (!running && this.settled.has(sessionID)) return this.settled.get(sessionID)
    const messages = await this.read(sessionID, 2)
    return messages && outcomeOf(messages, running)
  }

  /** The sessions `parentID` started, in call order: from its stored tool calls, and from memory. */
  childrenOf(parentID: string, parentMessages: readonly Stored[]): string[] {
    const ids = startedIn(parentMessages)
    for (const id of this.knownChildren(parentID)) if (!ids.includes(id)) ids.push(id)
    return ids
  }

  /** Every session `parentID` started, with how and what became of it (status, reports, the TUI). */
  async view(parentID: string, parentMessages: readonly Stored[], running: (sessionID: string) => boolean): Promise<StartedView[]> {
    const ids = this.childrenOf(parentID, parentMessages)
    const views = await mapLimited(ids, READ_CONCURRENCY, async (sessionID) => {
      const cached = this.markers.get(sessionID)
      if (cached) return { ...cached, sessionID, outcome: await this.outcomeOf(sessionID, running(sessionID)) }
      if (this.others.has(sessionID)) return undefined
      // Not seen yet (after a restart): the one read that finds its marker also tells its outcome.
      const messages = await this.readForMarker(sessionID, false)
      const marker = messages && startMarkerOf(messages)
      if (!marker) return undefined
      const settled = running(sessionID) ? undefined : (this.stops.get(sessionID) ?? this.settled.get(sessionID))
      return { ...marker, sessionID, outcome: settled ?? outcomeOf(messages, running(sessionID)) }
    })
    return views.filter((view): view is StartedView => view !== undefined)
  }

  /**
   * Every answer `parentID` is owed or was given, in call order: each started session's first
   * turn, and each turn a follow-up of its began. A session with follow-ups is read whole, to
   * tell its turns apart (core/outcome.ts turnOutcomes); a follow-up not stored there yet is to
   * come while `onItsWay` says so, and will not come otherwise.
   */
  async owedTurns(
    parentID: string,
    parentMessages: readonly Stored[],
    running: (sessionID: string) => boolean,
    followUps: readonly FollowUp[],
    onItsWay: (followUp: FollowUp) => boolean,
  ): Promise<OwedTurn[]> {
    const views = await this.view(parentID, parentMessages, running)
    const turns: OwedTurn[] = []
    for (const view of views) {
      const its = followUps.filter((followUp) => followUp.sessionID === view.sessionID)
      if (its.length === 0) {
        turns.push({ ...view, key: view.sessionID })
        continue
      }
      const messages = await this.read(view.sessionID)
      const outcomes = messages && turnOutcomes(view.sessionID, messages, running(view.sessionID))
      const stopped = running(view.sessionID) ? undefined : this.stops.get(view.sessionID)
      const outcomeOf = (key: string) => (outcomes ? (stopped && key === [...outcomes.keys()].at(-1) ? stopped : outcomes.get(key)) : undefined)
      turns.push({ ...view, key: view.sessionID, outcome: outcomeOf(view.sessionID) })
      for (const followUp of its) {
        const key = reportKey(view.sessionID, followUp.id)
        const toCome: Outcome = onItsWay(followUp) ? { state: "waiting" } : (droppedBy(messages, followUp.id) ?? stopped ?? { state: "never-started" })
        const outcome = messages ? (outcomes?.has(key) ? outcomeOf(key) : toCome) : undefined
        turns.push({ ...view, key, followUp: followUp.id, agent: followUp.agent, report: followUp.report, call: followUp.call, outcome })
      }
    }
    return turns
  }

  /** What a started session's own turns cost so far; nothing once it is deleted. */
  async spent(sessionID: string): Promise<Spent> {
    const messages = await this.read(sessionID)
    return messages ? spentIn(messages) : NOTHING_SPENT
  }

  /** A session's messages (the newest `limit`), or undefined if it no longer exists. */
  private async read(sessionID: string, limit?: number): Promise<Stored[] | undefined> {
    try {
      return (await this.opencode.messages(sessionID, limit)) as unknown as Stored[]
    } catch (error) {
      if (error instanceof OpencodeCallError && error.status === 404) return undefined
      throw error
    }
  }
}

/** The stop that dropped this follow-up before it was sent, as its outcome: the stop's marker lists it. */
function droppedBy(messages: readonly Stored[] | undefined, followUpID: string): Outcome | undefined {
  for (const message of messages ?? []) {
    const marker = message.info.role === "user" ? messageMarker(message) : undefined
    if (marker?.kind === "stop" && marker.dropped?.includes(followUpID)) return stoppedBy(marker)
  }
  return undefined
}
