/** How the sessions a caller started stand, as status, wait and reports word it: their states, answers, asks and what they cost. */
import { excerpt } from "../../core/format.js"
import type { Answered } from "../../core/gather.js"
import type { Ask, Asker, State } from "../../core/life.js"
import type { Spent } from "../../core/outcome.js"
import type { WorktreeState } from "../../core/types.js"
import { ascii, asksText, fileList, labelled, plural, reported, spentText, stopReason, totalText } from "./phrases.js"
import type { StartedNow } from "./results.js"

/** What a session started, at every depth below it: how many, what they cost, and which of them ask the person now. */
export type Below = { sessions: number; spent: Spent; asking: readonly Asker[] }

export type StatusRow = StartedNow & {
  state: State
  reportState?: "reported" | "queued" | "due"
  latest?: string
  worktree?: WorktreeState
  spent?: Spent
  /** Follow-ups sent to it. */
  followUps?: number
  /** For a start `after` others still waiting: those others, as a model reads them. */
  waitsFor?: readonly string[]
  below?: Below
}

/** A session of the caller's team, seen from one of them. */
export type TeamRow = { label: string; agent: string; state: State; waitsFor?: readonly string[] }

/** A session a wait covers that waits on the person: itself, or a session it started. */
export type AskingRow = Answered & { askers: readonly Asker[] }

const only = "Only the person can answer, in that session (in the TUI: ctrl+x j opens it); you cannot answer for them."

function asker({ sessionID, title, agent, asks }: Asker): string {
  return `${sessionID} "${ascii(title)}" (agent ${agent}) asks the person: ${asksText(asks)}`
}

function belowText(below: Below | undefined): string {
  if (!below?.sessions) return ""
  const cost = reported(below.spent) ? `: ${spentText(below.spent)}` : ""
  return `; with the ${plural(below.sessions, "session")} it started, at every depth${cost}`
}

function outcomeText(state: State, answer: string | undefined): string {
  switch (state.state) {
    case "answered":
      return answer || "(It finished without a text answer.)"
    case "failed":
      return `(Its turn failed: ${state.error})`
    case "interrupted":
      return "(The person interrupted it before it answered.)"
    case "never-started":
      return "(It never started: it was waiting for a free place when the person interrupted, or when OpenCode stopped and it could not be resumed. Send it a message to run it.)"
    case "stopped":
      return `(Stopped before it answered: ${stopReason(state)}.)`
    case "deleted":
      return "(The session was deleted before it answered.)"
    case "asking":
      return `(It has not finished: it waits for the person to answer ${asksText(state.asks)}.)`
    case "running":
    case "waiting":
    case "cut-off":
      return "(It has not finished.)"
  }
}

export const standing = {
  result: {
    status(rows: readonly StatusRow[], queued: readonly { kind: string; agent: string; text: string }[], everything?: Below): string {
      const lines = [rows.length ? `Sessions you started (${rows.length}):` : "Sessions you started: none."]
      for (const row of rows) {
        const report = row.reportState ? `, report ${row.reportState === "reported" ? "sent" : row.reportState}` : ""
        const followUps = row.followUps ? `, ${plural(row.followUps, "follow-up")}` : ""
        const spent = reported(row.spent) ? `, ${spentText(row.spent)}` : ""
        const latest = row.latest ? `. Latest answer: ${excerpt(row.latest, 120, "...")}` : ""
        lines.push(
          `- ${labelled(row)}: ${row.mode}, agent ${row.agent}, ${standing.state(row.state, row.waitsFor)}${report}${followUps}${spent}${belowText(row.below)}${latest}`,
        )
        if (row.worktree) lines.push(`  ${standing.worktree(row.worktree)}`)
        for (const one of row.below?.asking ?? []) lines.push(`  A session it started waits for the person: ${asker(one)}.`)
      }
      const total = everything && everything.sessions > rows.length ? everything : undefined
      if (total && reported(total.spent))
        lines.push(`Everything started from here, at every depth (${plural(total.sessions, "session")}): ${spentText(total.spent)}.`)
      else if (rows.length > 1 && totalText(rows.map((row) => row.spent))) lines.push(`Together: ${totalText(rows.map((row) => row.spent))}.`)
      lines.push(queued.length ? `Queued here (${queued.length}), delivered in order when this turn ends:` : "Queued here: none.")
      for (const handoff of queued) lines.push(`- ${handoff.kind} to ${handoff.agent}: ${excerpt(handoff.text, 60, "...")}`)
      if (rows.length) lines.push("The person can open these from the session list. mode wait returns their answers within your turn.")
      return lines.join("\n")
    },
    wait(finished: readonly Answered[], asking: readonly AskingRow[], running: readonly Answered[], timedOutAfter?: number): string {
      const all = finished.length + asking.length + running.length
      const ids = [...new Set(finished.map((session) => session.sessionID))]
      const lines = [`Finished: ${finished.length} of ${all}${ids.length ? ` (${ids.join(", ")})` : ""}.`]
      for (const session of finished) lines.push("", standing.report.block(session))
      const together = finished.length > 1 ? totalText(finished.map((session) => session.spent)) : undefined
      if (together) lines.push("", `Together: ${together}.`)
      if (asking.length) {
        lines.push("", `Waiting for the person (${asking.length}): these have not finished, and cannot until the person answers.`)
        for (const row of asking)
          for (const one of row.askers)
            lines.push(`- ${one.sessionID === row.sessionID ? asker(one) : `${row.sessionID}: a session it started, ${asker(one)}`}.`)
        lines.push(`${only} Their answers come later (as reports if they have one); wait again once the person has answered, or see status.`)
      }
      if (running.length) {
        const names = running.map((session) => `${labelled(session)} (agent ${session.agent})`).join(", ")
        lines.push(
          "",
          `Still running after ${timedOutAfter ?? 0} s: ${names}. Their answers come later (as reports if they have one); wait again, or see status.`,
        )
      }
      return lines.join("\n")
    },
    team({ me, callerID, callerAgent, siblings }: { me: string; callerID: string; callerAgent: string; siblings: readonly TeamRow[] }): string {
      const lines = [
        `Your team: you are ${me}, started by agent ${callerAgent} in session ${callerID} (your caller: mode message with session "caller" reaches it).`,
        siblings.length ? `Also started by your caller (${siblings.length}), reached by name or id:` : "Your caller started no other session.",
      ]
      for (const one of siblings) lines.push(`- ${one.label}: agent ${one.agent}, ${standing.state(one.state, one.waitsFor)}`)
      return lines.join("\n")
    },
    nothingToWait: (started: number) =>
      started
        ? `Nothing to wait for: the answers of all ${plural(started, "session")} you started have reached you (see status).`
        : "Nothing to wait for: you have started no sessions (new and fork start them).",
  },
  report: {
    /** A started session's answer, or why there is none. */
    answer(session: Pick<Answered, "state" | "answer" | "worktree">): string {
      const answer = outcomeText(session.state, session.answer)
      return session.worktree ? `${answer}\n[${standing.worktree(session.worktree)}]` : answer
    },
    block: (session: Answered) =>
      `${labelled(session)} (agent ${session.agent}, ${session.followUp ? "follow-up" : session.mode}${reported(session.spent) ? `; ${spentText(session.spent)}` : ""}):\n${standing.report.answer(session)}`,
    /** A report's text: one session's answer, or a turn's, each under its session, with what they cost together. */
    body(sessions: readonly Answered[]): string {
      const [first] = sessions
      if (first && sessions.length === 1)
        return reported(first.spent) ? `${standing.report.answer(first)}\n[${spentText(first.spent)}]` : standing.report.answer(first)
      const together = totalText(sessions.map((session) => session.spent))
      return [...sessions.map(standing.report.block), ...(together ? [`Together: ${together}.`] : [])].join("\n\n")
    },
  },
  /** For the person: a started session waits on them. */
  toast: {
    asked: (title: string, agent: string, ask: Ask) =>
      `${ascii(title)} (agent ${agent}) waits for you: ${asksText([ask])}. Open it to answer (ctrl+x j opens the oldest ask).`,
  },
  /** How a started session stands, as status shows it. */
  state(state: State, waitsFor?: readonly string[]): string {
    switch (state.state) {
      case "waiting":
        return state.for === "others" ? `waiting to start until ${(waitsFor ?? state.on ?? []).join(", ")} finished (after)` : "waiting to start"
      case "running":
        return "working"
      case "asking":
        return `waiting for the person to answer ${asksText(state.asks)} in that session (you cannot answer for them)`
      case "answered":
        return "idle"
      case "never-started":
        return "not started (it never had its turn: send it a message to run it)"
      case "cut-off":
        return "cut off mid-turn when OpenCode stopped (resume it to finish)"
      case "stopped":
        return `stopped (${stopReason(state)})`
      default:
        return state.state
    }
  },
  worktree(state: WorktreeState): string {
    switch (state.kind) {
      case "adopted":
        return "its work was adopted; its worktree is removed"
      case "discarded":
        return `its worktree was discarded; its work is kept under ${state.ref}`
      case "removed-unchanged":
        return "its worktree is removed: it changed nothing"
      case "unreadable":
        return `worktree ${state.directory} (branch ${state.branch}): its changes could not be read (${state.error})`
      case "changed":
        return `worktree ${state.directory} (branch ${state.branch}): ${state.files.length ? `${plural(state.files.length, "file")} changed - ${fileList(state.files)}` : "no changes"}`
    }
  },
}
