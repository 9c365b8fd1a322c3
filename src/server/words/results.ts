/** What the tool answers, and the headers of what it delivers: what happened, what happens next, and when. */
import { excerpt } from "../../core/format.js"
import type { Answered } from "../../core/gather.js"
import type { State } from "../../core/life.js"
import { totalSpent, type Spent } from "../../core/outcome.js"
import type { ReportStyle, StopMarker } from "../../core/protocol.js"
import type { FileChange, Sender, WorktreeState } from "../../core/types.js"

export type StartedNow = { sessionID: string; title: string; agent: string; mode: "new" | "fork"; report: ReportStyle }
export type StatusRow = StartedNow & {
  /** How it stands (core/life.ts). */
  state: State
  reportState?: "reported" | "queued" | "due"
  latest?: string
  worktree?: WorktreeState
  spent?: Spent
  /** Follow-ups sent to it. */
  followUps?: number
}
/** What a stop found for one session. */
export type StoppedRow = { sessionID: string; title: string; agent: string; was: "running" | "waiting" | "finished"; droppedFollowUps: number }

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`
const ascii = (text: string) => text.replace(/\u2026/g, "...")

export const results = {
  /** The first line of what the plugin delivers: who sent it, and that the person did not type it. */
  header: {
    message: (from: Sender) => `[Handed over by agent "${from.agent}" with the session tool; not typed by the person.]`,
    compact: (from: Sender) => `[Handed over by agent "${from.agent}" after compacting the conversation; not typed by the person.]`,
    started: (from: Sender, mode: "new" | "fork", report: ReportStyle) =>
      `[Started by agent "${from.agent}" with the session tool (${mode === "fork" ? "a fork of its conversation" : "a new session"}); not typed by the person. ` +
      `${report === "none" ? "Your final answer is not sent back by itself (it can read it with status or wait)." : "Your final answer is sent back to it when you finish."}]`,
    report: (from: Sender) =>
      `[Report from session ${from.sessionID}${from.title ? ` "${ascii(from.title)}"` : ""} (agent "${from.agent}"): its final answer, sent back automatically; not typed by the person.]`,
    reports: (count: number) =>
      `[Reports from the ${count} sessions you started in one turn: their final answers, sent back together; not typed by the person.]`,
    followUp: (from: Sender, report: ReportStyle) =>
      `[Follow-up from agent "${from.agent}" (session ${from.sessionID}, which started this session), sent with the session tool; not typed by the person. ` +
      `${report === "none" ? "Your final answer is not sent back by itself (it can read it with status or wait)." : "Your final answer is sent back to it when you finish."}]`,
    stopped: (marker: Pick<StopMarker, "by" | "limit" | "used">) =>
      `[Stopped by the session tool: ${stopReason(marker)}. Not typed by the person; nothing was undone, and a new message runs this session again.]`,
  },
  result: {
    message: (agent: string, position: number) =>
      `Handed over: when your answer ends, agent ${agent} continues this conversation with your text as its next message` +
      `${position > 1 ? ` (after the ${plural(position - 1, "hand-off")} you queued before, in call order)` : ""}. End your turn now: give your final words, call no more tools.`,
    compact: (agent: string) =>
      `Handed over with compaction: when your answer ends, this conversation is summarized, then agent ${agent} continues from the summary with your text. End your turn now.`,
    started: (session: StartedNow) => `Started ${what(session)}. It runs now, in parallel with you, in your directory.${comesBack(session)}`,
    waiting: (session: StartedNow, running: number) =>
      `Queued ${what(session)}: you already run ${running} sessions, the most at once. It starts by itself when one of them finishes, in call order.${comesBack(session)}`,
    isolated: (session: StartedNow, directory: string, branch: string) =>
      `Starting ${what(session)} in its own git worktree ${directory} (branch ${branch}), made from your files as they are now; it begins once this step of yours is over. ` +
      `Your files do not change unless you adopt its work (mode adopt) or discard it (mode discard).${comesBack(session)}`,
    followUp: (session: Omit<StartedNow, "mode">, busy: boolean) =>
      `Sent to session ${session.sessionID} "${ascii(session.title)}": agent ${session.agent} ${busy ? "takes it into its running turn" : "answers it now"}, in parallel with you.` +
      comesBack({ ...session, mode: "new" }),
    stopped(rows: readonly StoppedRow[]): string {
      const lines = rows.map((row) => {
        const name = `${row.sessionID} "${ascii(row.title)}" (agent ${row.agent})`
        const dropped = row.droppedFollowUps ? `; ${plural(row.droppedFollowUps, "queued follow-up")} dropped` : ""
        if (row.was === "running") return `- ${name}: stopped; its turn ends where it was${dropped}.`
        if (row.was === "waiting") return `- ${name}: had not started; it will not start${dropped}.`
        return `- ${name}: had finished already; nothing to stop${dropped}.`
      })
      const stopped = rows.filter((row) => row.was !== "finished").length
      return [
        `Stopped ${plural(stopped, "session")}:`,
        ...lines,
        "What they did stays (messages, files, an isolated one's worktree). Their reports and status say stopped; a follow-up (mode message with session) runs one again.",
      ].join("\n")
    },
    nothingToStop: (started: number) =>
      started
        ? `Nothing to stop: none of the ${plural(started, "session")} you started runs or waits to start (see status).`
        : "Nothing to stop: you have started no sessions (new and fork start them).",
    headless:
      " Note: this session runs headless (opencode run): the run ends with your turn, before a report can arrive. To have the answer, call session with mode wait before you finish.",
    reportIgnored: " (report applies to new and fork only: ignored.)",
    hostNote: (what: string, instead: string) => `Note: ${what} is not available on this OpenCode; ${instead}.`,
    status(rows: readonly StatusRow[], queued: readonly { kind: string; agent: string; text: string }[]): string {
      const lines = [rows.length ? `Sessions you started (${rows.length}):` : "Sessions you started: none."]
      for (const row of rows) {
        const report = row.reportState ? `, report ${row.reportState === "reported" ? "sent" : row.reportState}` : ""
        const followUps = row.followUps ? `, ${plural(row.followUps, "follow-up")}` : ""
        const spent = reported(row.spent) ? `, ${spentText(row.spent)}` : ""
        lines.push(
          `- ${row.sessionID} "${ascii(row.title)}": ${row.mode}, agent ${row.agent}, ${results.state(row.state)}${report}${followUps}${spent}${row.latest ? `. Latest answer: ${excerpt(row.latest, 120, "...")}` : ""}`,
        )
        if (row.worktree) lines.push(`  ${results.worktree(row.worktree)}`)
      }
      const spentRows = rows.flatMap((row) => (reported(row.spent) ? [row.spent] : []))
      if (spentRows.length > 1) lines.push(`Together: ${spentText(totalOf(spentRows))}.`)
      lines.push(queued.length ? `Queued here (${queued.length}), delivered in order when this turn ends:` : "Queued here: none.")
      for (const handoff of queued) lines.push(`- ${handoff.kind} to ${handoff.agent}: ${excerpt(handoff.text, 60, "...")}`)
      if (rows.length) lines.push("The person can open these from the session list. mode wait returns their answers within your turn.")
      return lines.join("\n")
    },
    wait(finished: readonly Answered[], running: readonly Answered[], timedOutAfter?: number): string {
      const lines = [
        `Finished: ${finished.length} of ${finished.length + running.length} (${[...new Set(finished.map((session) => session.sessionID))].join(", ")}).`,
      ]
      for (const session of finished) lines.push("", results.report.block(session))
      const spent = finished.flatMap((session) => (reported(session.spent) ? [session.spent] : []))
      if (spent.length > 1) lines.push("", `Together: ${spentText(totalOf(spent))}.`)
      if (running.length) {
        const names = running.map((session) => `${session.sessionID} "${ascii(session.title)}" (agent ${session.agent})`).join(", ")
        lines.push(
          "",
          `Still running after ${timedOutAfter ?? 0} s: ${names}. Their answers come later (as reports if they have one); wait again, or see status.`,
        )
      }
      return lines.join("\n")
    },
    nothingToWait: (started: number) =>
      started
        ? `Nothing to wait for: the answers of all ${plural(started, "session")} you started have reached you (see status).`
        : "Nothing to wait for: you have started no sessions (new and fork start them).",
    adopted: (sessionID: string, files: readonly FileChange[], leftover: string | undefined, root: string, ref: string) =>
      `${files.length ? `Adopted ${sessionID}: ${plural(files.length, "file")} changed in your directory (${fileList(files)}).` : `Adopted ${sessionID}: it changed nothing.`} ` +
      `${leftover ? `Note: ${leftover}.` : "Its worktree is removed."} Its work is kept in ${root} under ${ref}.`,
    discarded: (sessionID: string, files: readonly FileChange[], kept: string | undefined, root: string, base: string) =>
      kept
        ? `Discarded ${sessionID}: its worktree is removed. Its work (${fileList(files)}) is kept in ${root} under ${kept}: ` +
          `\`git diff ${base.slice(0, 12)} ${kept}\` shows it, \`git worktree add <folder> ${kept}\` brings it back.`
        : `Discarded ${sessionID}: its worktree is removed; it had changed nothing.`,
  },
  report: {
    /** A started session's answer, or why there is none. */
    answer(session: Pick<Answered, "state" | "answer" | "worktree">): string {
      const answer = outcomeText(session.state, session.answer)
      return session.worktree ? `${answer}\n[${results.worktree(session.worktree)}]` : answer
    },
    block: (session: Answered) =>
      `${session.sessionID} "${ascii(session.title)}" (agent ${session.agent}, ${session.followUp ? "follow-up" : session.mode}${reported(session.spent) ? `; ${spentText(session.spent)}` : ""}):\n${results.report.answer(session)}`,
    /** A report's text: one session's answer, or a turn's, each under its session, with what they cost together. */
    body(sessions: readonly Answered[]): string {
      if (sessions.length === 1) {
        const [only] = sessions as [Answered]
        return reported(only.spent) ? `${results.report.answer(only)}\n[${spentText(only.spent)}]` : results.report.answer(only)
      }
      const spent = sessions.flatMap((session) => (reported(session.spent) ? [session.spent] : []))
      return [...sessions.map(results.report.block), ...(spent.length ? [`Together: ${spentText(totalOf(spent))}.`] : [])].join("\n\n")
    },
  },
  /** How a started session stands, as status shows it. */
  state(state: State): string {
    switch (state.state) {
      case "waiting":
        return "waiting to start"
      case "running":
        return "working"
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

function what(session: StartedNow): string {
  const history = session.mode === "fork" ? "with a copy of this conversation" : "without this conversation"
  return `session ${session.sessionID} "${ascii(session.title)}" (agent ${session.agent}, ${history})`
}

function comesBack(session: StartedNow): string {
  const look = "Mode status shows how it goes; the person can open it from the session list."
  if (session.report === "none") return ` Its answer does not come back by itself: call mode wait to have it within your turn. ${look}`
  const when = session.report === "each" ? "as soon as it finishes" : "together with the other sessions of this turn, once all have finished"
  return ` Its final answer comes back to you as a message after your turn ends, ${when}; mode wait returns it earlier, within your turn. ${look}`
}

function fileList(files: readonly FileChange[]): string {
  return files.map((file) => `${file.path} +${file.additions} -${file.deletions}`).join(", ")
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
    case "running":
    case "waiting":
    case "cut-off":
      return "(It has not finished.)"
  }
}

function stopReason(stop: Pick<StopMarker, "by" | "limit" | "used">): string {
  switch (stop.by) {
    case "caller":
      return "the agent that started it stopped it"
    case "interrupt":
      return "the person interrupted the turn that started it"
    case "person":
      return "the person stopped it"
    case "max-tokens":
      return `it used ${stop.used ?? "more"} tokens, over the limit of ${stop.limit ?? "?"} (option maxTokens)`
  }
}

/** Whether the model reported any use at all: a provider that reports none shows no figures rather than zeros. */
function reported(spent: Spent | undefined): spent is Spent {
  return spent !== undefined && (spent.input > 0 || spent.output > 0 || spent.cost > 0)
}

/** Tokens as the model reported them, and the cost as OpenCode priced them. */
function spentText(spent: Spent): string {
  return `tokens ${spent.input} in, ${spent.output} out${spent.cost > 0 ? `, $${spent.cost.toFixed(4)}` : ""}`
}

function totalOf(spent: readonly Spent[]): Spent {
  return totalSpent(spent)
}
