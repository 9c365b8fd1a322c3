import type { HarnessOptions } from "./harness.js"

/** Agents of every kind a target can be: two primary ones, a subagent, a disabled one, and a markdown one in the global folder. */
export const AGENTS_OF_EVERY_KIND: HarnessOptions = {
  agents: {
    alpha: { mode: "primary", description: "Writes the first draft of anything asked." },
    beta: { mode: "primary", description: "Reviews drafts critically." },
    helper: { mode: "subagent", description: "A subagent." },
    retired: { mode: "primary", description: "Switched off.", disable: true },
  },
  markdownAgents: {
    scribe: "---\ndescription: Keeps the minutes\nmode: primary\n---\nYou keep the minutes.\n",
  },
}
