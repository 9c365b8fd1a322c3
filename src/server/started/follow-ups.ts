import type { HandoffBook } from "../../core/book.js"
import { followUpsIn } from "../../core/lineage.js"
import { reportKey, type ReportStyle, type Stored } from "../../core/protocol.js"

/** A follow-up the tool accepted: a message from a caller to a session it started (`message` with `session`). */
export type FollowUp = {
  id: string
  /** The started session it goes to. */
  sessionID: string
  callerID: string
  agent: string
  report: ReportStyle
  /** The caller's assistant message that made the call: follow-ups of one turn report with that turn's sessions. */
  call: string
}

/** Follow-ups remembered in memory until the caller's stored records hold them. */
const REMEMBERED = 1_000

/** A fresh id for a follow-up: in its call's record and on its delivered message's marker. */
export function followUpID(): string {
  return `fu${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}

/**
 * The follow-ups a caller sent, and whether each is still on its way. Its call's record (core/
 * protocol.ts) and its delivered message's marker are what count; memory only covers the moments
 * before OpenCode stores them, and tells a follow-up still queued or being sent (its turn is to
 * come) from one dropped before delivery (it will not come).
 */
export class FollowUps {
  private readonly known = new Map<string, FollowUp>()
  private readonly sending = new Set<string>()

  constructor(private readonly book: Pick<HandoffBook, "pending">) {}

  accept(followUp: FollowUp): void {
    this.known.set(followUp.id, followUp)
    if (this.known.size > REMEMBERED) this.known.delete(this.known.keys().next().value!)
  }

  /** Its message is on its way to the session (the book no longer holds it). */
  sendingNow(id: string): void {
    this.sending.add(id)
  }

  /** Its message was stored in the session, or could not be. */
  sent(id: string): void {
    this.sending.delete(id)
  }

  /** Still to be delivered: queued in its session, or being sent. */
  onItsWay(followUp: Pick<FollowUp, "id" | "sessionID">): boolean {
    return this.sending.has(followUp.id) || this.book.pending(followUp.sessionID).some((handoff) => handoff.followUp?.id === followUp.id)
  }

  /** The follow-ups `callerID` sent, in call order: from its stored records, then those only memory knows yet. */
  ofCaller(callerID: string, callerMessages: readonly Stored[]): FollowUp[] {
    const stored: FollowUp[] = followUpsIn(callerMessages).map(({ record, messageID }) => ({
      id: record.id,
      sessionID: record.session,
      callerID,
      agent: record.agent,
      report: record.report,
      call: messageID,
    }))
    const ids = new Set(stored.map((followUp) => followUp.id))
    for (const followUp of this.known.values()) if (followUp.callerID === callerID && !ids.has(followUp.id)) stored.push(followUp)
    return stored
  }

  /** Whether a follow-up known here (to this session, or from this caller) has an answer to send back that is not `claimed` yet. */
  unreported(where: { sessionID?: string; callerID?: string }, claimed: (key: string) => boolean): boolean {
    for (const followUp of this.known.values()) {
      if (followUp.report === "none" || (where.sessionID && followUp.sessionID !== where.sessionID)) continue
      if (where.callerID && followUp.callerID !== where.callerID) continue
      if (!claimed(reportKey(followUp.sessionID, followUp.id))) return true
    }
    return false
  }

  /** Whether the plugin still owes `callerID` something for a follow-up: its delivery, or its answer (`reported` says which keys were sent). */
  owedTo(callerID: string, reported: (key: string) => boolean): boolean {
    for (const followUp of this.known.values()) {
      if (followUp.callerID !== callerID) continue
      if (this.onItsWay(followUp) || (followUp.report !== "none" && !reported(reportKey(followUp.sessionID, followUp.id)))) return true
    }
    return false
  }

  forget(sessionID: string): void {
    for (const [id, followUp] of this.known) if (followUp.sessionID === sessionID || followUp.callerID === sessionID) this.known.delete(id)
  }
}
