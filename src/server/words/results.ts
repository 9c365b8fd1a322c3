/** What the tool answers, and the headers of what it delivers: what happened, what happens next, and when. */
import type { ReportStyle, StopMarker, TeamRelation } from "../../core/protocol.js"
import type { FileChange, Sender } from "../../core/types.js"
import { ascii, fileList, labelled, plural, stopReason } from "./phrases.js"

export type StartedNow = { sessionID: string; title: string; agent: string; mode: "new" | "fork"; report: ReportStyle; name?: string }
/** What a stop found for one session. */
export type StoppedRow = { sessionID: string; title: string; name?: string; agent: string; was: "running" | "waiting" | "finished"; droppedFollowUps: number }

export const results = {
  /** The first line of what the plugin delivers: who sent it, and that the person did not type it. */
  header: {
    message: (from: Sender) => `[Handed over by agent "${from.agent}" with the session tool; not typed by the person.]`,
    compact: (from: Sender) => `[Handed over by agent "${from.agent}" after compacting the conversation; not typed by the person.]`,
    started: (from: Sender, mode: "new" | "fork", report: ReportStyle, name?: string) =>
      `[Started by agent "${from.agent}" in session ${from.sessionID} with the session tool (${mode === "fork" ? "a fork of its conversation" : "a new session"})${name ? `, as "${name}"` : ""}; not typed by the person. ` +
      `${report === "none" ? "Your final answer is not sent back by itself (it can read it with status or wait)." : "Your final answer is sent back to it when you finish."} ` +
      'To write to it while you work, call session with mode message and session "caller"; mode status lists the other sessions it started, which you can write to by name.]',
    report: (from: Sender) =>
      `[Report from session ${from.sessionID}${from.title ? ` "${ascii(from.title)}"` : ""} (agent "${from.agent}"): its final answer, sent back automatically; not typed by the person.]`,
    reports: (count: number) =>
      `[Reports from the ${count} sessions you started in one turn: their final answers, sent back together; not typed by the person.]`,
    team: (from: Sender, relation: TeamRelation, report: ReportStyle) =>
      `[Message from session ${from.sessionID}${from.name ? ` "${from.name}"` : ""} (agent "${from.agent}"), ${relation === "caller" ? "a session you started" : "started by the same session as you"}, sent with the session tool; not typed by the person. ` +
      `${report === "none" ? `Your answer does not go back by itself: to reply, call session with mode message and session "${from.name ?? from.sessionID}".` : "Your final answer to it is sent back to it when this turn ends."}]`,
    after: (count: number) =>
      `[The ${count === 1 ? "session" : `${count} sessions`} you were started after ${count === 1 ? "has" : "have"} finished: ${count === 1 ? "its final answer follows" : "their final answers follow, each under its session"}, then your task. Not typed by the person.]`,
    reply: (from: Sender) =>
      `[Reply from session ${from.sessionID}${from.title ? ` "${ascii(from.title)}"` : ""} (agent "${from.agent}") to your message: its final answer, sent back automatically; not typed by the person.]`,
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
    after: (session: StartedNow, on: readonly string[]) =>
      `Made ${what(session)}: its first turn waits until ${on.join(", ")} ${on.length > 1 ? "have" : "has"} finished, then begins with their final answers before your text. ` +
      `Mode stop (or the person's interrupt) keeps it from starting.${comesBack(session)}`,
    waiting: (session: StartedNow, running: number) =>
      `Queued ${what(session)}: you already run ${running} sessions, the most at once. It starts by itself when one of them finishes, in call order.${comesBack(session)}`,
    isolated: (session: StartedNow, directory: string, branch: string) =>
      `Starting ${what(session)} in its own git worktree ${directory} (branch ${branch}), made from your files as they are now; it begins once this step of yours is over. ` +
      `Your files do not change unless you adopt its work (mode adopt) or discard it (mode discard).${comesBack(session)}`,
    followUp: (session: Omit<StartedNow, "mode">, busy: boolean) =>
      `Sent to session ${labelled(session)}: agent ${session.agent} ${busy ? "takes it into its running turn" : "answers it now"}, in parallel with you.` +
      comesBack({ ...session, mode: "new" }),
    teamMessage: (target: { sessionID: string; title: string; agent: string; name?: string }, relation: TeamRelation, report: ReportStyle, busy: boolean) =>
      `Sent to ${relation === "caller" ? `your caller ${target.sessionID}` : `session ${labelled(target)}, started by your caller`}: ` +
      `agent ${target.agent} ${busy ? "takes it into its running turn" : "answers it now"}, in parallel with you. ` +
      (report === "none"
        ? "Its answer does not come back by itself; it can message you back."
        : "Its final answer comes back to you as a reply once that turn ends (into your running turn, or as a new one)."),
    stopped(rows: readonly StoppedRow[]): string {
      const lines = rows.map((row) => {
        const name = `${labelled(row)} (agent ${row.agent})`
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
    adopted: (sessionID: string, files: readonly FileChange[], leftover: string | undefined, root: string, ref: string) =>
      `${files.length ? `Adopted ${sessionID}: ${plural(files.length, "file")} changed in your directory (${fileList(files)}).` : `Adopted ${sessionID}: it changed nothing.`} ` +
      `${leftover ? `Note: ${leftover}.` : "Its worktree is removed."} Its work is kept in ${root} under ${ref}.`,
    discarded: (sessionID: string, files: readonly FileChange[], kept: string | undefined, root: string, base: string) =>
      kept
        ? `Discarded ${sessionID}: its worktree is removed. Its work (${fileList(files)}) is kept in ${root} under ${kept}: ` +
          `\`git diff ${base.slice(0, 12)} ${kept}\` shows it, \`git worktree add <folder> ${kept}\` brings it back.`
        : `Discarded ${sessionID}: its worktree is removed; it had changed nothing.`,
  },
}

function what(session: StartedNow): string {
  const history = session.mode === "fork" ? "with a copy of this conversation" : "without this conversation"
  return `session ${session.sessionID}${session.name ? ` named "${session.name}"` : ""} "${ascii(session.title)}" (agent ${session.agent}, ${history})`
}

function comesBack(session: StartedNow): string {
  const look = "Mode status shows how it goes; the person can open it from the session list."
  if (session.report === "none") return ` Its answer does not come back by itself: call mode wait to have it within your turn. ${look}`
  const when = session.report === "each" ? "as soon as it finishes" : "together with the other sessions of this turn, once all have finished"
  return ` Its final answer comes back to you as a message after your turn ends, ${when}; mode wait returns it earlier, within your turn. ${look}`
}
