import { InvalidAgentError } from "./errors.js"
import { words } from "../words/index.js"
import type { AgentInfo, Opencode } from "./opencode.js"

/** Agents a hand-off may target: primary (or both-mode), enabled, not hidden. */
export function handoffTargets(agents: readonly AgentInfo[]): AgentInfo[] {
  return agents.filter((agent) => (agent.mode === "primary" || agent.mode === "all") && !agent.hidden)
}

/** Returns the agent named `name` if a hand-off may target it; otherwise says why not. */
export function checkTarget(agents: readonly AgentInfo[], name: string): AgentInfo {
  const valid = handoffTargets(agents)
  const validNames = valid.map((agent) => agent.name)
  const found = agents.find((agent) => agent.name === name)
  if (!found) throw new InvalidAgentError(words.refusal.invalidAgent(name, "does not exist or is disabled", validNames))
  if (found.hidden) throw new InvalidAgentError(words.refusal.invalidAgent(name, "is hidden (internal to OpenCode)", validNames))
  if (found.mode === "subagent") throw new InvalidAgentError(words.refusal.invalidAgent(name, "is a subagent, not a primary agent", validNames))
  return found
}

/**
 * How old the last list may be before a read asks again in the background. Every model request
 * reads it (for the tool's description): without this, a fan-out of 16 sessions would ask the
 * server for its agents on nearly every step. A target missing from the list is asked for anyway.
 */
export const REFRESH_AFTER_MS = 1_000

/**
 * The live list of agents, as OpenCode reports it. Validation always asks the server; the
 * tool description, rebuilt before every model request, uses the last answer and refreshes
 * it in the background so no model request waits for it.
 */
export class AgentCatalog {
  private last: AgentInfo[] | undefined
  private lastAt = 0
  private asking: Promise<AgentInfo[]> | undefined

  constructor(
    private readonly opencode: Opencode,
    private readonly onRefreshError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The list as the server reports it now. Calls made while one is on its way share its answer. */
  current(): Promise<AgentInfo[]> {
    this.asking ??= this.opencode.agents().then(
      (agents) => {
        this.asking = undefined
        this.last = agents
        this.lastAt = this.now()
        return agents
      },
      (error: unknown) => {
        this.asking = undefined
        throw error
      },
    )
    return this.asking
  }

  /** The last list the server gave, without waiting; asks again in the background. */
  known(): AgentInfo[] | undefined {
    this.refreshInBackground()
    return this.last
  }

  /** The last known list; waits only the very first time. */
  async recent(): Promise<AgentInfo[]> {
    if (!this.last) return this.current()
    this.refreshInBackground()
    return this.last
  }

  /** At most one request at a time, and none while the list is fresh: a failed refresh is reported once. */
  private refreshInBackground(): void {
    if (this.asking || this.now() - this.lastAt < REFRESH_AFTER_MS) return
    this.current().catch(this.onRefreshError)
  }
}
