/** The tool's description and its parameters' texts, as the model reads them with every request. */
import type { ReportStyle } from "../../core/protocol.js"

/** Of an agent's own description, this many words at most; longer ones are cut with "...". */
export const AGENT_WORDS = 8

/** What the tool defaults to, as the plugin options set it: the parameters say it. */
/** An agent as the description names it. */
export type NamedAgent = { name: string; description?: string }

export type Defaults = { report: ReportStyle; isolation: "none" | "worktree"; waitSeconds: number; maxWaitSeconds: number }

function shortDescription(text: string | undefined): string {
  const all = (text ?? "").replace(/\s+/g, " ").trim().split(" ").filter(Boolean)
  const kept = all.slice(0, AGENT_WORDS).join(" ")
  return all.length > AGENT_WORDS ? `${kept.replace(/[.,;:]+$/, "")}...` : kept
}

const MODES = [
  "Hand work to other agents. mode:",
  "- message: hand THIS conversation to `agent`: when your turn ends, it reads `text` here and continues. " +
    "With `session`: a follow-up, sent to that started session instead.",
  "- compact: like message, after summarizing the conversation.",
  "- new: a separate session WITHOUT this conversation: `agent` works on `text` in parallel.",
  "- fork: like new, with a copy of this conversation.",
  "- status: your started sessions and hand-offs queued here.",
  "- wait: block until your started sessions (or `session`) finish, or wait for the person: their answers, within your turn.",
  "- stop: stop `session`, or all your running started sessions.",
  "- adopt, discard: apply to your files, or drop, an isolated session's changes.",
  "Unlike task (a subagent inside your turn), new/fork run a primary agent in its own session; " +
    "its answer reaches you only by `report` (after your turn ends) or wait.",
].join("\n")

export const description = {
  description(targets: readonly NamedAgent[]): string {
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
      agent: "A primary agent named above. Default: you (follow-up: the session's).",
      model: '"provider/model". Default: the agent\'s.',
      report: `new, fork, follow-up: true: answers come after your turn, one message per turn; "each": one each; false: none. Default: ${report}.`,
      session: "wait, stop, message, adopt, discard: a session id (ses_...) you started.",
      timeout: `wait: max seconds (1-${defaults.maxWaitSeconds}). Default: ${defaults.waitSeconds}.`,
      isolation: `new, fork: "worktree": a git worktree of your files (then adopt/discard); "none": your folder. Default: "${defaults.isolation}".`,
    }
  },
}
