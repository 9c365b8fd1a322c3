/**
 * Which reports are due, decided from facts alone (what each started session's outcome is,
 * which answers already reached the caller, whether the caller's turn is over). Pure.
 */
import { isFinished, type OwedTurn } from "./life.js"
import type { Spent } from "./outcome.js"
import type { WorktreeState } from "./types.js"

/** One answer a caller is owed (core/life.ts), as a report carries it. */
export type Member = OwedTurn & {
  /** The caller's turn that made the call: `together` sessions of one turn report as one. */
  turn: string
  /** Its answer's text, read from the store once it answered. */
  answer?: string
  /** For a session in its own worktree: where its work stands. */
  worktree?: WorktreeState
  /** What the session's own turns cost so far, read when its answer is given. */
  spent?: Spent
}

/** One report to deliver: one started session's answer, or a whole turn's, in call order. */
export type DueReport = { members: Member[] }

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
      if (isFinished(member.state)) due.push({ members: [member] })
      continue
    }
    turns.set(member.turn, [...(turns.get(member.turn) ?? []), member])
  }
  for (const [turn, together] of turns) {
    if (turnOver(turn) && together.every((member) => isFinished(member.state))) due.push({ members: together })
  }
  return due
}

/** What a report or a wait shows of one started session. */
export type Answered = Pick<Member, "key" | "sessionID" | "followUp" | "title" | "name" | "agent" | "mode" | "state" | "answer" | "worktree" | "spent">

/**
 * Where a started session's answers stand with its caller, the last of them deciding: all sent
 * (a report or a wait), one queued to be delivered, or one still due; undefined when it owes none.
 * Status and the TUI both say this, so they say the same.
 */
export function reportStanding(
  turns: ReadonlyArray<Pick<Member, "key" | "report">>,
  reported: ReadonlySet<string>,
  queued: ReadonlySet<string> = new Set(),
): "reported" | "queued" | "due" | undefined {
  const keys = turns.filter((turn) => turn.report !== "none").map((turn) => turn.key)
  if (keys.length === 0) return undefined
  if (keys.every((key) => reported.has(key))) return "reported"
  return keys.some((key) => queued.has(key)) ? "queued" : "due"
}
