/** The tool's description and its parameters' texts, as the model reads them with every request. */
import type { ReportStyle } from "../../../core/protocol.js"
import type { AgentInfo } from "../../host/opencode.js"

/** Of an agent's own description, this many words at most; longer ones are cut with "...". */
export const AGENT_WORDS = 9

/** What the tool defaults to, as the plugin options set it: the parameters say it. */
export type Defaults = { report: ReportStyle; isolation: "none" | "worktree"; waitSeconds: number; maxWaitSeconds: number }

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

export const description = {
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
}
