import type { Bus } from "../../core/bus.js"
import type { HandoffBook } from "../../core/book.js"
import { dueReports, type DueReport, type Member } from "../../core/gather.js"
import { isFinished, owedTurns, type Life } from "../../core/life.js"
import { reportedIn, turnOf, turnOver } from "../../core/lineage.js"
import type { Sender } from "../../core/types.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { worktreeState } from "../isolation/describe.js"
import type { Worktrees } from "../isolation/worktrees.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { WorkQueued } from "../lifecycle/signals.js"
import type { Claims } from "../state/claims.js"
import { asWritten, words, type Wording } from "../words/index.js"

export type ReporterDeps = {
  opencode: Opencode
  book: HandoffBook
  lifecycle: Lifecycle
  bus: Bus
  notifier: Notifier
  /** One report, not two: among the plugin's copies in this process, and among processes on the same data. */
  claims: Pick<Claims, "inProcess" | "heldInProcess" | "claim" | "release">
  worktrees: Worktrees
  wording?: Wording
}

/**
 * Sends started sessions' answers back to the session that started them, deciding from their
 * lives and what OpenCode stores (so a report due before a restart still comes): `each` on its
 * own as it finishes, `together` as one message per turn once all of that turn's have finished.
 * Decisions for one caller run one at a time, and nothing is reported twice.
 */
export class Reporter {
  private readonly deciding = new Map<string, Promise<void>>()
  /** Callers with a decision queued that has not begun: it will see the newest facts anyway. */
  private readonly queued = new Set<string>()
  /** Callers resumed after a restart, and when: their turns begun before then are over. */
  private readonly resumedAt = new Map<string, number>()

  constructor(private readonly deps: ReporterDeps) {}

  /** This answer's report (by its key, core/protocol.ts reportKey) was sent or is queued, by some copy of the plugin in this process. */
  reported(key: string): boolean {
    return this.deps.claims.heldInProcess(key)
  }

  /** Whether anything is still owed to `callerID`: a hand-off queued, a start or follow-up to come, an answer to report. */
  owes(callerID: string): boolean {
    if (this.deps.book.pending(callerID).length > 0) return true
    return this.deps.lifecycle
      .heldChildren(callerID)
      .some((life) => owedTurns(life).some((turn) => turn.state.state === "waiting" || (turn.report !== "none" && !this.reported(turn.key))))
  }

  /** OpenCode is unloading this copy of the plugin: reports it queued and did not deliver are given up, for the next copy to send. */
  giveUp(keys: readonly string[]): void {
    if (keys.length) this.deps.claims.release(keys, claimOf(keys))
  }

  /** A started session's life changed: a turn that finished may owe its caller a report. */
  changed(life: Life | undefined, keys: readonly string[]): void {
    if (!life) return
    const finished = owedTurns(life).filter((turn) => keys.includes(turn.key) && isFinished(turn.state))
    if (finished.some((turn) => turn.report !== "none" && !this.reported(turn.key))) this.decide(life.marker.fromSession)
  }

  /** A caller's turn ended: the `together` reports of that turn may be due now that it can start no more. */
  turnEnded(callerID: string): void {
    const owed = this.deps.lifecycle.heldChildren(callerID).flatMap(owedTurns)
    if (owed.some((turn) => turn.report === "together" && !this.reported(turn.key))) this.decide(callerID)
  }

  /**
   * A wait returned these answers (by key) to `callerID`: they are not reported again (the
   * wait's stored record says so after a restart), and a report of only them still queued
   * there is dropped.
   */
  collected(callerID: string, keys: readonly string[]): void {
    for (const key of keys) this.deps.claims.inProcess([key])
    this.deps.book.dropReports(callerID, new Set(keys))
  }

  /**
   * After OpenCode restarted: what `callerID` is owed, from the store alone (state/recovery.ts).
   * Its turns from before the stop are over, also one the stop cut short without a final answer.
   */
  resume(callerID: string): void {
    this.resumedAt.set(callerID, Date.now())
    this.decide(callerID)
  }

  forget(sessionID: string): void {
    this.resumedAt.delete(sessionID)
  }

  /** Decides what `callerID` is owed now; queued behind any decision already running for it. */
  private decide(callerID: string): void {
    if (this.queued.has(callerID)) return
    this.queued.add(callerID)
    const previous = this.deciding.get(callerID) ?? Promise.resolve()
    const next = previous
      .then(() => {
        this.queued.delete(callerID)
        return this.decideNow(callerID)
      })
      .catch((error: unknown) => this.deps.notifier.error(`Could not send reports to ${callerID}: ${describeError(error)}`, { sessionID: callerID }))
      .finally(() => {
        if (this.deciding.get(callerID) === next) this.deciding.delete(callerID)
      })
    this.deciding.set(callerID, next)
  }

  private async decideNow(callerID: string): Promise<void> {
    const known = this.dueFromMemory(callerID)
    await (known ? this.sendDue(callerID, known.due, known.lives) : this.fromStore(callerID))
  }

  /**
   * What is due, from memory alone, when this copy launched every session the caller has (and
   * OpenCode has not restarted since): no read stands between a session's answer and its report.
   * Undefined when memory cannot tell.
   */
  private dueFromMemory(callerID: string): { due: DueReport[]; lives: Life[] } | undefined {
    const { lifecycle } = this.deps
    if (this.resumedAt.has(callerID)) return undefined
    const lives = lifecycle.heldChildren(callerID)
    const owed = lives.flatMap(owedTurns).map((turn) => ({ ...turn, asked: lifecycle.askedIn(turn.sessionID, turn.key) }))
    if (!owed.every((turn) => turn.asked)) return undefined
    const members: Member[] = owed
      .filter((turn) => turn.report !== "none" && !this.reported(turn.key))
      .map((turn) => ({ ...turn, turn: String(turn.asked?.turn) }))
    const over = (turn: string) => owed.some((one) => String(one.asked?.turn) === turn && one.asked?.over)
    return { due: dueReports(members, new Set(), over), lives }
  }

  private async fromStore(callerID: string): Promise<void> {
    const { opencode, lifecycle } = this.deps
    const callerMessages = await opencode.messages(callerID)
    const reported = reportedIn(callerMessages)
    const lives = await lifecycle.livesOf(callerID, callerMessages)
    const owed = lives.flatMap(owedTurns)
    // What the store says reached the caller (a report, a wait) is known in memory from now on.
    for (const turn of owed) if (reported.has(turn.key) && !this.reported(turn.key)) this.deps.claims.inProcess([turn.key])
    const members: Member[] = owed
      .filter((turn) => turn.report !== "none" && !reported.has(turn.key) && !this.reported(turn.key))
      .map((turn) => ({ ...turn, turn: turnOf(callerMessages, turn.call) }))
    const resumedAt = this.resumedAt.get(callerID) ?? 0
    const before = (turn: string) => (callerMessages.find((message) => message.info.id === turn)?.info.time?.created ?? Infinity) < resumedAt
    const over = (turn: string) => turnOver(callerMessages, turn, lifecycle.isRunning(callerID)) || before(turn)
    await this.sendDue(callerID, dueReports(members, reported, over), lives)
  }

  private async sendDue(callerID: string, due: readonly DueReport[], lives: readonly Life[]): Promise<void> {
    for (const report of due) {
      await this.fill(report, lives)
      this.send(callerID, report)
    }
  }

  /** Each member's answer, where its work stands (an isolated one), and what it cost: read side by side, a report waits for the slowest, not their sum. */
  private async fill(report: DueReport, lives: readonly Life[]): Promise<void> {
    const { lifecycle, worktrees } = this.deps
    await Promise.all(
      report.members.map(async (member) => {
        const life = lives.find((one) => one.sessionID === member.sessionID)
        const [answers, worktree] = await Promise.all([
          life ? lifecycle.answers(life, [member.key]) : new Map<string, string>(),
          worktreeState(worktrees, member.sessionID, member.isolation),
        ])
        member.answer = answers.get(member.key)
        member.worktree = worktree
        member.spent = lifecycle.spent(member.sessionID)
      }),
    )
  }

  private send(callerID: string, report: DueReport): void {
    const { claims, book, lifecycle, bus, notifier } = this.deps
    // Another copy of the plugin, in this process or another on the same data, may have sent it a moment ago.
    const keys = report.members.map((member) => member.key)
    if (!claims.inProcess(keys)) return
    if (!claims.claim(claimOf(keys))) return
    const covers: Sender[] = report.members.map((member) => ({ agent: member.agent, sessionID: member.sessionID, title: member.title, key: member.key }))
    const callerAgent = lifecycle.life(report.members[0]!.sessionID)?.marker.fromAgent ?? report.members[0]!.agent
    book.enqueue({
      kind: "report",
      sessionID: callerID,
      agent: callerAgent,
      text: (this.deps.wording ?? asWritten)(words.report.body(report.members)),
      from: covers[0]!,
      covers,
    })
    const who = report.members.length === 1 ? `${covers[0]!.agent} (${covers[0]!.title})` : `${report.members.length} sessions`
    notifier.info(`Report: ${who} → ${callerAgent}`)
    bus.publish(WorkQueued, { sessionID: callerID })
  }
}

/** The claim of one report, whatever order its answers come in. */
function claimOf(keys: readonly string[]): string {
  return `report:${[...keys].sort().join(",")}`
}
