import { dueReports, unlessWaiting, type DueReport, type Member } from "../../core/gather.js"
import { reportedIn, turnOf } from "../../core/lineage.js"
import type { Isolation, Stored } from "../../core/protocol.js"
import type { HandoffBook } from "../../core/book.js"
import type { Sender, WorktreeState } from "../../core/types.js"
import type { Delivery } from "../handoff/delivery.js"
import { describeError } from "../errors.js"
import type { LineageStore } from "./lineage-store.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { processReportClaims, type ReportClaims } from "./report-claims.js"
import { words } from "../tool/words/index.js"
import type { Places } from "./places.js"

/**
 * Sends started sessions' answers back to the session that started them, deciding from what
 * OpenCode stores (so a report due before a restart still comes): `each` on its own as it
 * finishes, `together` as one message per turn once all of that turn's have finished. Decisions
 * for one caller run one at a time, and nothing is reported twice.
 */
export type ReporterDeps = {
  opencode: Opencode
  book: HandoffBook
  lineage: LineageStore
  delivery: Delivery
  notifier: Notifier
  /** Where the caller's started sessions stand: one waiting for a place is not done. */
  places: Pick<Places, "waitingFor">
  /** Claims of the copies of the plugin in this process (1.0 runs two): one report, not two. */
  claims?: ReportClaims
  /** Claims shared with other OpenCode processes on the same data (state/claims.ts): one report, not two. */
  shared?: { claim(key: string): boolean; release(key: string): void }
  /** For a session in its own worktree: where its work stands (see isolation/describe.ts). */
  worktreeOf?: (sessionID: string, isolation: Isolation | undefined) => Promise<WorktreeState | undefined>
}

export class Reporter {
  private readonly deciding = new Map<string, Promise<void>>()
  /** Callers with a decision queued that has not begun: it will see the newest facts anyway. */
  private readonly queued = new Set<string>()
  /** Callers resumed after a restart, and when: their turns begun before then are over. */
  private readonly resumedAt = new Map<string, number>()
  private readonly opencode: Opencode
  private readonly book: HandoffBook
  private readonly lineage: LineageStore
  private readonly delivery: Delivery
  private readonly notifier: Notifier
  private readonly places: Pick<Places, "waitingFor">
  private readonly claims: ReportClaims
  private readonly shared: { claim(key: string): boolean; release(key: string): void }
  private readonly worktreeOf: (sessionID: string, isolation: Isolation | undefined) => Promise<WorktreeState | undefined>

  constructor(deps: ReporterDeps) {
    this.opencode = deps.opencode
    this.book = deps.book
    this.lineage = deps.lineage
    this.delivery = deps.delivery
    this.notifier = deps.notifier
    this.places = deps.places
    this.claims = deps.claims ?? processReportClaims()
    this.shared = deps.shared ?? { claim: () => true, release: () => undefined }
    this.worktreeOf = deps.worktreeOf ?? (async () => undefined)
  }

  /** This session's report was sent or is queued (by this or another copy of the plugin in this process). */
  reported(sessionID: string): boolean {
    return this.claims.has(sessionID)
  }

  /** OpenCode is unloading this copy of the plugin: reports it queued and did not deliver are given up, for the next copy to send. */
  giveUp(sessionIDs: readonly string[]): void {
    for (const id of sessionIDs) this.claims.forget(id)
    if (sessionIDs.length) this.shared.release(reportKey(sessionIDs))
  }

  /**
   * The one trigger of reports: a session's turn ended (its idle event, or the prompt of a first
   * turn answering). A started one may owe a report; a caller's turn may be over.
   */
  turnEnded(sessionID: string): void {
    void this.lineage.markerOf(sessionID, true).then(
      (marker) => {
        if (marker && marker.report !== "none" && !this.claims.has(sessionID)) this.decide(marker.fromSession)
        if (this.lineage.knownChildren(sessionID).some((child) => this.lineage.known(child)?.report === "together" && !this.claims.has(child))) {
          this.decide(sessionID)
        }
      },
      (error: unknown) => this.notifier.error(`Could not check session ${sessionID} for a due report: ${describeError(error)}`, { sessionID }),
    )
  }

  forget(sessionID: string): void {
    this.claims.forget(sessionID)
    this.resumedAt.delete(sessionID)
  }

  /**
   * A wait returned these sessions' answers to `parentID`: they are not reported again (the
   * wait's stored result says so after a restart), and a report of only them still queued
   * there is dropped.
   */
  collected(parentID: string, sessionIDs: readonly string[]): void {
    for (const id of sessionIDs) this.claims.claim([id])
    this.book.dropReports(parentID, new Set(sessionIDs))
  }

  /**
   * After OpenCode restarted: what `callerID` is owed, from the store alone (state/recovery.ts).
   * Its turns from before the stop are over, also one the stop cut short without a final answer.
   */
  resume(callerID: string): void {
    this.resumedAt.set(callerID, Date.now())
    this.decide(callerID)
  }

  /** Decides what `parentID` is owed now; queued behind any decision already running for it. */
  private decide(parentID: string): void {
    if (this.queued.has(parentID)) return
    this.queued.add(parentID)
    const previous = this.deciding.get(parentID) ?? Promise.resolve()
    const next = previous
      .then(() => {
        this.queued.delete(parentID)
        return this.decideNow(parentID)
      })
      .catch((error: unknown) => this.notifier.error(`Could not send reports to ${parentID}: ${describeError(error)}`, { sessionID: parentID }))
      .finally(() => {
        if (this.deciding.get(parentID) === next) this.deciding.delete(parentID)
      })
    this.deciding.set(parentID, next)
  }

  private async decideNow(parentID: string): Promise<void> {
    const parentMessages = (await this.opencode.messages(parentID)) as unknown as Stored[]
    const reported = reportedIn(parentMessages)
    const views = await this.lineage.view(parentID, parentMessages, (id) => this.book.isBusy(id))
    const waiting = this.places.waitingFor(parentID)
    const members: Member[] = views
      .filter((view) => view.report !== "none" && !reported.has(view.sessionID) && !this.claims.has(view.sessionID))
      .map((view) => ({ ...view, outcome: unlessWaiting(view.sessionID, view.outcome, waiting), turn: turnOf(parentMessages, view.call) }))
    const resumedAt = this.resumedAt.get(parentID) ?? 0
    const before = (turn: string) => (parentMessages.find((message) => message.info.id === turn)?.info.time?.created ?? Infinity) < resumedAt
    const over = (turn: string) => turnOver(parentMessages, turn, this.book.isBusy(parentID)) || before(turn)
    for (const report of dueReports(members, reported, over)) {
      for (const member of report.members) member.worktree = await this.worktreeOf(member.sessionID, member.isolation)
      this.send(parentID, report)
    }
  }

  private send(parentID: string, report: DueReport): void {
    // Another copy of the plugin, in this process or another on the same data, may have sent it a moment ago.
    const ids = report.members.map((member) => member.sessionID)
    if (!this.claims.claim(ids)) return
    if (!this.shared.claim(reportKey(ids))) return
    const covers: Sender[] = report.members.map((member) => ({ agent: member.agent, sessionID: member.sessionID, title: member.title }))
    const callerAgent = this.lineage.known(report.members[0]!.sessionID)?.fromAgent ?? report.members[0]!.agent
    const text = words.report.body(report.members)
    this.book.enqueue({ kind: "report", sessionID: parentID, agent: callerAgent, text, from: covers[0]!, covers })
    const who = report.members.length === 1 ? `${covers[0]!.agent} (${covers[0]!.title})` : `${report.members.length} sessions`
    this.notifier.info(`Report: ${who} → ${callerAgent}`)
    this.delivery.kick(parentID)
  }
}

/** The claim of one report, whatever order its sessions come in. */
function reportKey(sessionIDs: readonly string[]): string {
  return `report:${[...sessionIDs].sort().join(",")}`
}

/**
 * A caller's turn is over once it has a final answer (not one that only called tools), or a
 * later message; until then it may still start sessions that report with the others. (Whether
 * the caller is busy is no sign: 1.0 publishes no busy status.)
 */
export function turnOver(parentMessages: readonly Stored[], turn: string, parentBusy: boolean): boolean {
  const at = parentMessages.findIndex((message) => message.info.id === turn)
  if (at < 0) return !parentBusy
  return parentMessages
    .slice(at + 1)
    .some(
      (message) =>
        (message.info.role === "user" && message.info.id !== turn) ||
        (message.info.role === "assistant" &&
          message.info.parentID === turn &&
          Boolean(message.info.time?.completed) &&
          (message.info.finish !== "tool-calls" || Boolean(message.info.error))),
    )
}
