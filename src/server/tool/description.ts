import type { AgentInfo } from "../opencode/client.js"

/**
 * The description is sent with every model request of every session, so every character is
 * paid for again and again: it stays short, and names the valid agents with a few words each.
 */
const MODES =
  "Hand work to an agent. mode: message (goes on here after your turn), compact (same, summarized), " +
  'new (blank)/fork (this history) run apart; report: answers back (per turn or "each"); isolation "worktree": own git worktree, ' +
  "then adopt/discard (session); status; wait (session?, timeout s)."

const AGENT_WORDS = 2

export function shortDescription(text: string | undefined, words = AGENT_WORDS): string {
  const all = (text ?? "").replace(/\s+/g, " ").trim().split(" ").filter(Boolean)
  const kept = all.slice(0, words).join(" ").replace(/[.,;:]+$/, "")
  return all.length > words ? `${kept}…` : kept
}

export function toolDescription(targets: readonly AgentInfo[]): string {
  if (targets.length === 0) return `${MODES} Agents: none available.`
  const agents = targets.map((agent) => {
    const words = shortDescription(agent.description)
    return words ? `${agent.name} (${words})` : agent.name
  })
  return `${MODES} Agents: ${agents.join("; ")}.`
}

/** Used only until the first model request, when the live agent list replaces it. */
export const FALLBACK_DESCRIPTION = `${MODES} agent: a primary agent.`
