/**
 * Every word the `session` tool puts before a language model: its description and parameters,
 * its results and refusals, and the headers of what it delivers (hand-offs, reports). A model
 * knows nothing but these, so each says what happened, what happens next and when, and what
 * is valid. Plain ASCII. Nothing here is ever parsed back: what the plugin needs to know again
 * is kept in structured records (core/protocol.ts).
 */
import { excerpt } from "../../core/format.js"
import type { Answered } from "../../core/gather.js"
import type { Outcome } from "../../core/lineage.js"
import type { ReportStyle } from "../../core/protocol.js"
import type { FileChange, Handoff, Sender, WorktreeState } from "../../core/types.js"
import type { Feature } from "../host/capabilities.js"
import type { Launched } from "../started/launcher.js"
import type { AgentInfo } from "../host/opencode.js"

/** Of an agent's own description, this many words at most; longer ones are cut with "...". */
export const AGENT_WORDS = 9

/** What the tool defaults to, as the plugin options set it: the parameters say it. */
export type Defaults = { report: ReportStyle; isolation: "none" | "worktree"; waitSeconds: number; maxWaitSeconds: number }

export type StartedNow = { sessionID: string; title: string; agent: string; mode: "new" | "fork"; report: ReportStyle }
export type StatusRow = StartedNow & { state: string; reportState?: "reported" | "queued" | "due"; latest?: string; worktree?: WorktreeState }

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`
const ascii = (text: string) => text.replace(/\u2026/g, "...")

function shortDescription(text: string | undefined): string {
  const all = (text ?? "").replace(/\s+/g, " ").trim().split(" ").filter(Boolean)
  const kept = all.slice(0, AGENT_WORDS).join(" ")
  return all.length > AGENT_WORDS ? `${kept.replace(/[.,;:]+$/, "")}...` : kept
}

const MODES = [
  "Hand work to other agents. mode:",
  "- message: hand THIS conversation to `agent`: when your turn ends, it reads `text` here and continues.",
  "- compact: like message, but the conversation is summarized first.",
  "- new: a separate session WITHOUT this conversation: `agent` works on `text` in parallel while you go on.",
  "- fork: like new, but with a copy of this conversation.",
  "- status: your started sessions (state, answer) and hand-offs queued here.",
  "- wait: block until your started sessions (or `session`) finish, and get their answers within your turn.",
  "- adopt, discard: apply to your files, or drop, an isolated session's changes.",
  "Unlike task (a subagent answering inside your turn), new/fork run a primary agent in its own session; " +
    "its answer reaches you only by `report` (after your turn ends) or wait.",
].join("\n")

export const english = {
  description(targets: readonly AgentInfo[]): string {
    if (targets.length === 0) return `${MODES}\nAgents: none available.`
    const agents = targets.map((agent) => {
      const words = shortDescription(agent.description)
      return words ? `${agent.name} (${words})` : agent.name
    })
    return `${MODES}\nAgents: ${agents.join("; ")}.`
  },
  /** Until the first model request, when the live agent list replaces it. */
  fallbackDescription: `${MODES}\nAgents: the primary agents of this OpenCode.`,
  parameters(defaults: Defaults) {
    const report = defaults.report === "none" ? "false" : defaults.report === "each" ? '"each"' : "true"
    return {
      mode: "What to do.",
      text: "Message for the target agent.",
      agent: "A primary agent from the description. Default: you.",
      model: '"provider/model" for its turn. Default: the agent\'s.',
      report: `new, fork: true: the answer comes after your turn ends, one message per turn; "each": one per session; false: none. Default: ${report}.`,
      session: "wait, adopt, discard: a session id (ses_...) from a new/fork result or status.",
      timeout: `wait: max seconds (1-${defaults.maxWaitSeconds}). Default: ${defaults.waitSeconds}.`,
      isolation: `new, fork: "worktree": its own git worktree of your files (adopt/discard later); "none": your folder. Default: "${defaults.isolation}".`,
    }
  },

  /** The first line of what the plugin delivers: who sent it, and that the person did not type it. */
  header: {
    message: (from: Sender) => `[Handed over by agent "${from.agent}" with the session tool; not typed by the person.]`,
    compact: (from: Sender) => `[Handed over by agent "${from.agent}" after compacting the conversation; not typed by the person.]`,
    started: (from: Sender, mode: "new" | "fork", report: ReportStyle) =>
      `[Started by agent "${from.agent}" with the session tool (${mode === "fork" ? "a fork of its conversation" : "a new session"}); not typed by the person. ` +
      `${report === "none" ? "Your final answer is not sent back by itself (it can read it with status or wait)." : "Your final answer is sent back to it when you finish."}]`,
    report: (from: Sender) =>
      `[Report from session ${from.sessionID}${from.title ? ` "${ascii(from.title)}"` : ""} (agent "${from.agent}"): its final answer, sent back automatically; not typed by the person.]`,
    reports: (count: number) => `[Reports from the ${count} sessions you started in one turn: their final answers, sent back together; not typed by the person.]`,
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
    headless:
      " Note: this session runs headless (opencode run): the run ends with your turn, before a report can arrive. To have the answer, call session with mode wait before you finish.",
    reportIgnored: " (report applies to new and fork only: ignored.)",
    hostNote: (what: string, instead: string) => `Note: ${what} is not available on this OpenCode; ${instead}.`,
    status(rows: readonly StatusRow[], queued: readonly { kind: string; agent: string; text: string }[]): string {
      const lines = [rows.length ? `Sessions you started (${rows.length}):` : "Sessions you started: none."]
      for (const row of rows) {
        const report = row.reportState ? `, report ${row.reportState === "reported" ? "sent" : row.reportState}` : ""
        lines.push(`- ${row.sessionID} "${ascii(row.title)}": ${row.mode}, agent ${row.agent}, ${row.state}${report}${row.latest ? `. Latest answer: ${excerpt(row.latest, 120, "...")}` : ""}`)
        if (row.worktree) lines.push(`  ${english.worktree(row.worktree)}`)
      }
      lines.push(queued.length ? `Queued here (${queued.length}), delivered in order when this turn ends:` : "Queued here: none.")
      for (const handoff of queued) lines.push(`- ${handoff.kind} to ${handoff.agent}: ${excerpt(handoff.text, 60, "...")}`)
      if (rows.length) lines.push("The person can open these from the session list. mode wait returns their answers within your turn.")
      return lines.join("\n")
    },
    wait(finished: readonly Answered[], running: readonly Answered[], timedOutAfter?: number): string {
      const lines = [`Finished: ${finished.length} of ${finished.length + running.length} (${finished.map((session) => session.sessionID).join(", ")}).`]
      for (const session of finished) lines.push("", english.report.block(session))
      if (running.length) {
        const names = running.map((session) => `${session.sessionID} "${ascii(session.title)}" (agent ${session.agent})`).join(", ")
        lines.push("", `Still running after ${timedOutAfter ?? 0} s: ${names}. Their answers come later (as reports if they have one); wait again, or see status.`)
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

  /** Each says what was wrong, that nothing was done, and what would be valid. */
  refusal: {
    unknownMode: (mode: unknown, modes: readonly string[]) => `session: unknown mode ${JSON.stringify(mode)}. Valid modes: ${modes.join(", ")}.`,
    emptyText: (mode: string) => `session: mode "${mode}" needs a non-empty \`text\` (the message the target agent receives).`,
    invalidAgent: (agent: string, why: string, valid: readonly string[]) => `session: agent "${agent}" ${why}. Valid agents: ${valid.join(", ") || "(none)"}.`,
    invalidModel: (model: string, why: string, examples: readonly string[]) =>
      `session: model "${model}" ${why}. Use "provider/model", for example: ${examples.join(", ") || "(no models configured)"}.`,
    subagentCaller: (agent: string) => `session: only primary agents hand work over; "${agent}" is a subagent: answer your caller instead.`,
    compactNeedsModel: "session: compact needs the calling turn's model to write the summary, and OpenCode told neither the tool nor the calling message. Use mode message instead.",
    loopGuard: (limit: number) =>
      `session: refused: ${limit} automatic hand-offs in a row without a message from the person (the limit). Answer the person now; the count resets when they write.`,
    unknownIsolation: (value: string) => `session: unknown isolation ${JSON.stringify(value)}. Valid: "worktree" (new and fork only) or "none".`,
    isolationNotHere: (mode: string) => `session: isolation "worktree" applies to new and fork only; mode ${mode} continues in this conversation and its directory.`,
    isolationNoGit: (directory: string) => `session: isolation "worktree" needs a git repository, and ${directory} is not in one. Leave isolation out to work in this directory.`,
    isolationUnavailable: (why: string) => `session: isolation "worktree" needs OpenCode 1.17 or later (${why}). Leave isolation out to work in this directory.`,
    forkUnavailable: (why: string) => `session: ${why}. Use mode new instead (it starts without this conversation's history).`,
    waitSelf: "session: wait: a session cannot wait for itself (that is this one).",
    waitNotStarted: (named: string, started: readonly string[]) =>
      `session: wait: ${named} is not a session you started. ${started.length ? `Sessions you started: ${started.slice(-10).join(", ")}.` : "You have started no sessions."}`,
    waitTimeout: (got: unknown, max: number) => `session: wait: timeout ${JSON.stringify(got)} is not valid: give a number of seconds from 1 to ${max}.`,
    waitInterrupted: "session: wait interrupted by the person; the sessions keep running (see status).",
    needsSession: (mode: string, valid: string) => `session: mode ${mode} needs \`session\`: the id of an isolated session you started. ${valid}.`,
    notStartedHere: (mode: string, sessionID: string, valid: string) => `session: ${mode}: ${sessionID} is not a session you started. ${valid}.`,
    notIsolated: (mode: string, sessionID: string, valid: string) =>
      `session: ${mode}: ${sessionID} works in your directory (it was started without isolation): there is nothing to ${mode}. ${valid}.`,
    isolatedValid: (isolated: readonly string[]) =>
      isolated.length ? `Isolated sessions you started: ${isolated.join(", ")}` : 'You started no isolated session (new or fork with isolation "worktree")',
    notFinished: (mode: string, sessionID: string) => `session: ${mode}: ${sessionID} has not finished its work; wait for it (mode wait) first.`,
    adoptCollision: (sessionID: string, collisions: readonly string[], directory: string) =>
      `session: adopt refused, nothing applied: you changed ${collisions.join(", ")} since ${sessionID} started, and it changed them too. ` +
      `Its work stays in ${directory}; adopt again once those files are as they were, or discard it.`,
    denied: (pattern: string, where: string) => `session: ${pattern} is denied by ${where}. Nothing was started or queued.`,
    needsApproval: (pattern: string, where: string) =>
      `session: ${pattern} needs the person's approval (${where}), and this OpenCode cannot ask from a plugin: refused, nothing was started or queued. ` +
      `OpenCode 1.17 and later can ask; or set the rule to "allow".`,
    rulesUnreadable: (error: string) => `session: could not read your permission rules, so nothing was done: ${error}`,
    notAccepted: (sessionID: string, seconds: number) => `session: ${sessionID} did not accept its first message within ${seconds} s; it was removed. Try again.`,
  },

  report: {
    /** A started session's answer, or why there is none. */
    answer(session: Pick<Answered, "outcome" | "worktree">): string {
      const answer = session.outcome ? outcomeText(session.outcome) : "(The session was deleted before it answered.)"
      return session.worktree ? `${answer}\n[${english.worktree(session.worktree)}]` : answer
    },
    block: (session: Answered) => `${session.sessionID} "${ascii(session.title)}" (agent ${session.agent}, ${session.mode}):\n${english.report.answer(session)}`,
    neverStarted: "it never started: it was waiting for a free place when OpenCode stopped or the person interrupted (send it a message to run it)",
  },

  /** What an OpenCode release may lack, and what the plugin does instead (host/capabilities.ts). */
  features: {
    "permission-prompt": {
      what: "plugins asking OpenCode's permission system",
      instead:
        "opencode-sessions applies your permission.session rules itself: deny refuses, and ask refuses too, since this OpenCode cannot ask you from a plugin (OpenCode 1.17 and later can)",
    },
    "live-description": { what: "the tool.definition hook", instead: "the session tool's description is refreshed from the agent list in the background" },
    fork: { what: "forking a session", instead: "mode fork is refused; new starts a session without the history" },
    worktree: {
      what: "moving a session into another directory (POST /experimental/control-plane/move-session)",
      instead: 'isolation "worktree" is refused; new and fork work in the caller\'s directory',
    },
    "call-records": {
      what: "the id of a tool call, to keep a record on it",
      instead: "what the session tool does is not recorded, so after a restart it cannot be followed (status, wait, queued hand-offs, waiting starts); the rest works",
    },
    "caller-model": { what: "the calling turn's model in the tool context", instead: "it is read from the calling message" },
  } satisfies Record<Feature, { what: string; instead: string }>,

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

/** The result of new or fork, as its first turn stands. */
export function startedResult(session: StartedNow, launched: Launched): string {
  if (launched.kind === "waiting") return words.result.waiting(session, launched.running)
  if (launched.kind === "isolated") return words.result.isolated(session, launched.directory, launched.branch)
  return words.result.started(session)
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

function outcomeText(outcome: Outcome): string {
  switch (outcome.state) {
    case "idle":
      return outcome.answer || "(It finished without a text answer.)"
    case "failed":
      return `(Its turn failed: ${outcome.error})`
    case "interrupted":
      return "(The person interrupted it before it answered.)"
    case "working":
    case "waiting":
    case "stopped":
      return "(It has not finished.)"
  }
}

export type Words = typeof english

/**
 * A wording for tests only (OPENCODE_SESSIONS_TEST_WORDING=reversed): every word the model reads
 * turned around, so a test can show that the plugin never reads its words back.
 */
export function reworded<T>(value: T, change: (text: string) => string): T {
  if (typeof value === "string") return change(value) as T
  if (typeof value === "function") return ((...args: unknown[]) => reworded((value as (...args: unknown[]) => unknown)(...args), change)) as T
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, reworded(field, change)])) as T
  return value
}

/** The words in use. */
export const words: Words = process.env.OPENCODE_SESSIONS_TEST_WORDING === "reversed" ? reworded(english, (text) => [...text].reverse().join("")) : english

/** What a hand-off or a report delivers: its header (words), then its text (the sender's, as it is). */
export function deliveredText(handoff: Pick<Handoff, "kind" | "from" | "text" | "covers">): string {
  const covers = handoff.covers ?? [handoff.from]
  const { header } = words
  const first =
    handoff.kind === "message" ? header.message(handoff.from) : handoff.kind === "compact" ? header.compact(handoff.from) : covers.length > 1 ? header.reports(covers.length) : header.report(handoff.from)
  return `${first}\n\n${handoff.text}`
}

/** The first message of a session the tool started: its header, then the caller's text. */
export function startedText(from: Sender, mode: "new" | "fork", report: ReportStyle, text: string): string {
  return `${words.header.started(from, mode, report)}\n\n${text}`
}
