/** The tool's description and its parameters' texts, as the model reads them with every request. */
import type { ReportStyle } from "../../core/protocol.js"

/** Of an agent's own description, this many words at most: whole phrases, the rest cut with "...". */
export const AGENT_WORDS = 10

/** An agent as the description names it. */
export type NamedAgent = { name: string; description?: string }

/** What the tool defaults to, as the plugin options set it: the parameters say it. */
export type Defaults = { report: ReportStyle; isolation: "none" | "worktree"; waitSeconds: number; maxWaitSeconds: number }

/**
 * An agent's description cut to whole phrases (ended by . , ; or :) within AGENT_WORDS words, so
 * that none stops mid-phrase; a first phrase longer than that is cut at the limit.
 */
export function shortDescription(text: string | undefined): string {
  const all = (text ?? "").replace(/\s+/g, " ").trim()
  const phrases = all.match(/[^.,;:]+[.,;:]*\s*/g) ?? []
  let kept = ""
  for (const phrase of phrases) {
    const words = `${kept}${phrase}`.trim().split(" ")
    if (words.length > AGENT_WORDS) break
    kept = `${kept}${phrase}`
  }
  if (!kept) kept = all.split(" ").slice(0, AGENT_WORDS).join(" ")
  kept = kept.trim()
  return kept.length < all.length ? `${kept.replace(/[.,;:]+$/, "")}...` : kept
}

const MODES = [
  "Hand work to other agents. mode:",
  "- message: hand THIS conversation to `agent`: when your turn ends, it reads `text` here and continues. " +
    "With `session`: to that session instead; if busy, it reads it in its running turn, uninterrupted.",
  "- compact: like message, after summarizing the conversation.",
  "- new: a separate session WITHOUT this conversation: `agent` works on `text` in parallel; returns its id at once.",
  "- fork: like new, with a copy of this conversation.",
  "- status: your started sessions and team, hand-offs queued here.",
  "- wait: block until your started sessions (or `session`) finish, or wait for the person: their answers, within your turn; " +
    "at `timeout`, those finished (the rest run on).",
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
      report: `new, fork, message with session: true: answers after your turn, one message per turn; "each": each one as it finishes; false: none. Default: ${report}.`,
      session: 'wait, stop, message, adopt, discard: id (ses_...) or name of a session you started; message also: "caller", or one your caller started.',
      timeout: `wait: max seconds (1-${defaults.maxWaitSeconds}). Default: ${defaults.waitSeconds}.`,
      isolation: `new, fork: "worktree": a git worktree of your files, uncommitted changes included (then adopt/discard); "none": your folder. Default: "${defaults.isolation}".`,
      name: "new, fork: its name (letters, digits, -; max 24), unique among yours.",
      after: "new, fork: sessions you started (names/ids): it begins once they finish, with their answers.",
    }
  },
}
