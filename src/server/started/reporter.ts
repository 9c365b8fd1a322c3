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
import type { FollowUps } from "./follow-ups.js"

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
  /** Follow-ups the callers sent: each turn one began is an answer of its own. */
  followUps: Pick<FollowUps, "ofCaller" | "onItsWay" | "unreported">
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
  private readonly followUps: ReporterDeps["followUps"]
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
    this.followUps = deps.followUps
    this.claims = deps.claims ?? processReportClaims()
    this.shared = deps.shared ?? { claim: () => true, release: () => undefined }
    this.worktreeOf = deps.worktreeOf ?? (async () => undefined)
  }

  /** This answer's report (by its key, core/protocol.ts reportKey) was sent or is queued (by this or another copy of the plugin in this process). */
  reported(key: string): boolean {
    return this.claims.has(key)
  }

  /** OpenCode is unloading this copy of the plugin: reports it queued and did not deliver are given up, for the next copy to send. */
  giveUp(keys: readonly string[]): void {
    for (const key of keys) this.claims.forget(key)
    if (keys.length) this.shared.release(claimOf(keys))
  }

  /**
   * The one trigger of reports: a session's turn ended (its idle event, or the prompt of a first
   * turn answering). A started one may owe a report; a caller's turn may be over.
   */
  turnEnded(sessionID: string): void {
    const claimed = (key: string) => this.claims.has(key)
    void this.lineage.markerOf(sessionID, true).then(
      (marker) => {
        const owes = marker && ((marker.report !== "none" && !claimed(sessionID)) || this.followUps.unreported({ sessionID }, claimed))
        if (owes) this.decide(marker.fromSession)
        const together = this.lineage.knownChildren(sessionID).some((child) => this.lineage.known(child)?.report === "together" && !claimed(child))
        if (together || this.followUps.unreported({ callerID: sessionID }, claimed)) this.decide(sessionID)
      },
      (error: unknown) => this.notifier.error(`Could not check session ${sessionID} for a due report: ${describeError(error)}`, { sessionID }),
    )
  }

  forget(sessionID: string): void {
    this.claims.forget(sessionID)
    this.resumedAt.delete(sessionID)
  }

  /**
   * A wait returned these answers (by key) to `parentID`: they are not reported again (the
   * wait's stored record says so after a restart), and a report of only them still queued
   * there is dropped.
   */
  collected(parentID: string, keys: readonly string[]): void {
    for (const key of keys) this.claims.claim([key])
    this.book.dropReports(parentID, new Set(keys))
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
    const followUps = this.followUps.ofCaller(parentID, parentMessages)
    const owed = await this.lineage.owedTurns(
      parentID,
      parentMessages,
      (id) => this.book.isBusy(id),
      followUps,
      (followUp) => this.followUps.onItsWay(followUp),
    )
    const waiting = this.places.waitingFor(parentID)
    const members: Member[] = owed
      .filter((owedTurn) => owedTurn.report !== "none" && !reported.has(owedTurn.key) && !this.claims.has(owedTurn.key))
      .map((owedTurn) => ({ ...owedTurn, outcome: unlessWaiting(owedTurn, owedTurn.outcome, waiting), turn: turnOf(parentMessages, owedTurn.call) }))
    const resumedAt = this.resumedAt.get(parentID) ?? 0
    const before = (turn: string) => (parentMessages.find((message) => message.info.id === turn)?.info.time?.created ?? Infinity) < resumedAt
    const over = (turn: string) => turnOver(parentMessages, turn, this.book.isBusy(parentID)) || before(turn)
    for (const report of dueReports(members, reported, over)) {
      // Read side by side: a report waits for the slowest read, not for their sum.
      await Promise.all(
        report.members.map(async (member) => {
          const [worktree, spent] = await Promise.all([this.worktreeOf(member.sessionID, member.isolation), this.lineage.spent(member.sessionID)])
          member.worktree = worktree
          member.spent = spent
        }),
      )
      this.send(parentID, report)
    }
  }

  private send(parentID: string, report: DueReport): void {
    // Another copy of the plugin, in this process or another on the same data, may have sent it a moment ago.
    const keys = report.members.map((member) => member.key)
    if (!this.claims.claim(keys)) return
    if (!this.shared.claim(claimOf(keys))) return
    const covers: Sender[] = report.members.map((member) => ({ agent: member.agent, sessionID: member.sessionID, title: member.title, key: member.key }))
    const callerAgent = this.lineage.known(report.members[0]!.sessionID)?.fromAgent ?? report.members[0]!.agent
    const text = words.report.body(report.members)
    this.book.enqueue({ kind: "report", sessionID: parentID, agent: callerAgent, text, from: covers[0]!, covers })
    const who = report.members.length === 1 ? `${covers[0]!.agent} (${covers[0]!.title})` : `${report.members.length} sessions`
    this.notifier.info(`Report: ${who} → ${callerAgent}`)
    this.delivery.kick(parentID)
  }
}

/** The claim of one report, whatever order its answers come in. */
function claimOf(keys: readonly string[]): string {
  return `report:${[...keys].sort().join(",")}`
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
