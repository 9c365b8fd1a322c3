/**
 * Which reports are due, decided from facts alone (what each started session's outcome is,
 * which answers already reached the caller, whether the caller's turn is over). Pure.
 */
import type { Outcome, Spent } from "./outcome.js"
import type { Isolation, ReportStyle } from "./protocol.js"
import type { WorktreeState } from "./types.js"

export type Member = {
  /** Which answer this is (core/protocol.ts reportKey): the session's first turn, or the turn a follow-up began. */
  key: string
  sessionID: string
  /** Set for the turn a follow-up began: the follow-up's id. */
  followUp?: string
  title: string
  agent: string
  mode: "new" | "fork"
  report: ReportStyle
  /** The caller's turn that started it: `together` sessions of one turn report as one. */
  turn: string
  /** Undefined: the session was deleted before it reported. */
  outcome: Outcome | undefined
  /** For a session in its own worktree: where its work stands. */
  worktree?: WorktreeState
  isolation?: Isolation
  /** What the session's own turns cost so far, read when its answer is given. */
  spent?: Spent
}

/** One report to deliver: one started session's answer, or a whole turn's, in call order. */
export type DueReport = { members: Member[] }

export function isFinished(outcome: Outcome | undefined): boolean {
  if (outcome === undefined) return true
  return (
    outcome.state === "idle" ||
    outcome.state === "failed" ||
    outcome.state === "interrupted" ||
    outcome.state === "stopped" ||
    outcome.state === "never-started"
  )
}

/**
 * A session with no turn at all that is not waiting for a place here was left so when OpenCode
 * stopped or the person interrupted: it will not start by itself, so it must not hold its
 * turn's report or a wait. (A follow-up's turn waits for its delivery, not for a place: see
 * server/started/follow-ups.ts.)
 */
export function unlessWaiting(item: { sessionID: string; followUp?: string }, outcome: Outcome | undefined, waiting: readonly string[]): Outcome | undefined {
  if (item.followUp) return outcome
  return outcome?.state === "waiting" && !waiting.includes(item.sessionID) ? { state: "never-started" } : outcome
}

/**
 * `each` sessions report once finished. A turn's `together` sessions report in one message
 * once every one of them has finished (failed, interrupted or deleted ones count as finished,
 * marked as such, so none can hold the rest forever) and the turn is over, since until then
 * the caller may still start more. Nothing is due twice: `reported` holds the keys of what was
 * sent. A follow-up's turn is one more member, of the caller's turn that sent the follow-up.
 */
export function dueReports(members: readonly Member[], reported: ReadonlySet<string>, turnOver: (turn: string) => boolean): DueReport[] {
  const due: DueReport[] = []
  const turns = new Map<string, Member[]>()
  for (const member of members) {
    if (member.report === "none" || reported.has(member.key)) continue
    if (member.report === "each") {
      if (isFinished(member.outcome)) due.push({ members: [member] })
      continue
    }
    turns.set(member.turn, [...(turns.get(member.turn) ?? []), member])
  }
  for (const [turn, together] of turns) {
    if (turnOver(turn) && together.every((member) => isFinished(member.outcome))) due.push({ members: together })
  }
  return due
}

/** What a report or a wait shows of one started session. */
export type Answered = Pick<Member, "key" | "sessionID" | "followUp" | "title" | "agent" | "mode" | "outcome" | "worktree" | "spent">
