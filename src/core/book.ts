import { BoundedSet } from "./bounded.js"
import type { MessageMarker } from "./protocol.js"
import type { Call, Handoff, HandoffRequest } from "./types.js"

type SessionEntry = {
  queue: Handoff[]
  /** A delivery chain is running for this session: only it may take from the queue. */
  delivering: boolean
  /** Automatic turns delivered since the person last wrote in this session. */
  automaticTurns: number
}

export type Admission = { ok: true } | { ok: false; limit: number }

/**
 * The pure core of the plugin: which hand-offs wait in which session, when one may be
 * delivered, what an abort cancels, and the loop bound. No I/O, no timers, no clock. Whether a
 * turn runs in a session is the lifecycle's to say (server/lifecycle): the book is told.
 *
 * A session has an entry only while something is going on in it (a queue, a chain, a count of
 * automatic turns); an entry that holds nothing is released at once, so the book does not grow
 * over a long-running OpenCode.
 */
/** How many deleted sessions are remembered, so that late events cannot bring them back. */
const REMEMBERED_DELETIONS = 1000

export class HandoffBook {
  private readonly sessions = new Map<string, SessionEntry>()
  /** Recently deleted sessions (bounded): a status event or tool call that arrives after the deletion must not leave state behind. */
  private readonly deleted = new BoundedSet<string>(REMEMBERED_DELETIONS)
  private nextID = 1

  constructor(private readonly maxAutomaticTurns: number) {}

  /** The loop guard: may this session queue `count` more automatic turns? */
  admit(sessionID: string, count = 1): Admission {
    const entry = this.sessions.get(sessionID)
    const used = (entry?.automaticTurns ?? 0) + (entry?.queue.length ?? 0)
    return used + count > this.maxAutomaticTurns ? { ok: false, limit: this.maxAutomaticTurns } : { ok: true }
  }

  /** Queues a hand-off; returns it with its id. Delivery starts with `claim`. */
  enqueue(request: HandoffRequest): Handoff {
    const handoff = { ...request, id: this.nextID++ }
    this.entry(request.sessionID).queue.push(handoff)
    return handoff
  }

  pending(sessionID: string): readonly Handoff[] {
    return this.sessions.get(sessionID)?.queue ?? []
  }

  /**
   * Claims the right to deliver, when the session has gone idle or a report arrived: true at
   * most once until the chain ends, however many idle signals arrive (OpenCode can publish
   * idle twice), and never while a turn runs (`running`).
   */
  claim(sessionID: string, running: boolean): boolean {
    const entry = this.sessions.get(sessionID)
    if (!entry || entry.delivering || running || entry.queue.length === 0) return false
    entry.delivering = true
    return true
  }

  /**
   * The next hand-off for a running chain, counted as an automatic turn. Undefined ends the
   * chain: when the queue is empty, or when a turn is running (someone else prompted the
   * session meanwhile); its idle signal resumes delivery.
   */
  takeNext(sessionID: string, running: boolean): Handoff | undefined {
    const entry = this.sessions.get(sessionID)
    if (!entry) return undefined
    const next = running ? undefined : entry.queue.shift()
    if (next) entry.automaticTurns += 1
    else this.release(sessionID)
    return next
  }

  /**
   * The next hand-off, if it may join the turn running in this session now, counted as an
   * automatic turn: a `message` or `compact` queued by an earlier step of that turn
   * (`messageID` is the step whose text just ended), while no delivery chain runs here.
   */
  takeJoinable(sessionID: string, messageID: string): Handoff | undefined {
    const entry = this.sessions.get(sessionID)
    const next = entry?.queue[0]
    if (!entry || entry.delivering || !next || next.kind === "report" || next.summarized || next.call === messageID) return undefined
    entry.queue.shift()
    entry.automaticTurns += 1
    return next
  }

  /** A hand-off that could not join goes back to the head of its queue, for the idle signal to deliver. */
  putBack(handoff: Handoff): void {
    const entry = this.entry(handoff.sessionID)
    entry.queue.unshift(handoff)
    entry.automaticTurns = Math.max(0, entry.automaticTurns - 1)
  }

  /** Ends a chain; the next idle signal (or report) starts a new one if anything is queued. */
  release(sessionID: string): void {
    const entry = this.sessions.get(sessionID)
    if (!entry) return
    entry.delivering = false
    this.dropIfEmpty(sessionID)
  }

  /** The person aborted a turn in this session: everything queued there is cancelled. */
  abort(sessionID: string): Handoff[] {
    const entry = this.sessions.get(sessionID)
    if (!entry) return []
    const dropped = entry.queue.splice(0)
    this.dropIfEmpty(sessionID)
    return dropped
  }

  /** Drops the reports queued in `sessionID` that hold only answers whose keys are in `covered` (they reached it otherwise). */
  dropReports(sessionID: string, covered: ReadonlySet<string>): Handoff[] {
    const entry = this.sessions.get(sessionID)
    if (!entry) return []
    const dropped = entry.queue.filter(
      (handoff) => handoff.kind === "report" && (handoff.covers ?? [handoff.from]).every((sender) => covered.has(sender.key ?? sender.sessionID)),
    )
    entry.queue = entry.queue.filter((handoff) => !dropped.includes(handoff))
    this.dropIfEmpty(sessionID)
    return dropped
  }

  /** The person wrote in this session: the loop guard starts counting again. */
  personWrote(sessionID: string): void {
    const entry = this.sessions.get(sessionID)
    if (!entry) return
    entry.automaticTurns = 0
    this.dropIfEmpty(sessionID)
  }

  /** The session was deleted: forget it, and keep nothing that late events say of it. */
  forget(sessionID: string): Handoff[] {
    const dropped = this.sessions.get(sessionID)?.queue ?? []
    this.sessions.delete(sessionID)
    this.deleted.add(sessionID)
    return dropped
  }

  /** A few of the sessions the book holds state for: to tell which, when it should be none. */
  heldSessions(max = 5): string[] {
    return [...this.sessions.keys()].slice(0, max)
  }

  /** How much the book holds: for the memory benchmark and tests. */
  size(): { sessions: number; queued: number } {
    let queued = 0
    for (const entry of this.sessions.values()) queued += entry.queue.length
    return { sessions: this.sessions.size, queued }
  }

  /** The session's entry; for a deleted session, a throwaway one that is never kept. */
  private entry(sessionID: string): SessionEntry {
    let entry = this.sessions.get(sessionID)
    if (!entry) {
      entry = { queue: [], delivering: false, automaticTurns: 0 }
      if (!this.deleted.has(sessionID)) this.sessions.set(sessionID, entry)
    }
    return entry
  }

  private dropIfEmpty(sessionID: string): void {
    const entry = this.sessions.get(sessionID)
    if (!entry) return
    const holdsNothing = entry.queue.length === 0 && !entry.delivering && entry.automaticTurns === 0
    if (holdsNothing) this.sessions.delete(sessionID)
  }
}

/** The marker a delivered hand-off, follow-up or report carries: who sent it, and the call it delivers or the answers it holds. */
export function deliveredMarker(handoff: Pick<Handoff, "kind" | "from" | "covers" | "callID" | "followUp">): MessageMarker {
  const from = { fromAgent: handoff.from.agent, fromSession: handoff.from.sessionID }
  if (handoff.kind === "report")
    return { kind: "report", ...from, sessions: (handoff.covers ?? [handoff.from]).map((sender) => sender.key ?? sender.sessionID) }
  if (handoff.kind === "follow-up") {
    const team = handoff.followUp?.team
    return { kind: "follow-up", ...from, id: handoff.followUp?.id ?? "", ...(team ? { team, report: handoff.followUp?.report ?? "none" } : {}) }
  }
  return { kind: handoff.kind, ...from, ...(handoff.callID ? { callID: handoff.callID } : {}) }
}

/**
 * What a checked call queues: `text` for `call.agent` in `sessionID` (the caller's own session,
 * or for a follow-up the started session it goes to), from the caller, naming the call. Also how
 * a call read back from its record after a restart is queued again (server/state/recovery.ts).
 */
export function handoffRequest(call: Call, kind: Handoff["kind"], sessionID = call.sessionID): HandoffRequest {
  return {
    kind,
    sessionID,
    agent: call.agent,
    text: call.text,
    model: call.model,
    from: { agent: call.callerAgent, sessionID: call.sessionID },
    call: call.messageID,
    callID: call.callID,
  }
}
