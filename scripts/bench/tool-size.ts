/**
 * Figure 3 — the `session` tool's definition as the model receives it, with six primary
 * agents (build, plan and four configured ones): it goes with every model request of every
 * session, so its size is paid again and again. It must still name every agent it can target.
 */
import type { Measured } from "./report.js"
import { PRIMARY_AGENTS, type Server } from "./servers.js"

const MAX_CHARS = 1_000

export async function toolSize({ oc }: Server): Promise<Measured> {
  const tool = oc.model.lastSessionTool()
  if (!tool) throw new Error("no model request has carried the session tool yet")
  const chars = JSON.stringify(tool).length
  const description = tool.function.description ?? ""
  // Names are looked for in the agent list at the end of the description, as whole words.
  const list = description.includes("Agents:") ? description.slice(description.indexOf("Agents:")) : description
  const named = PRIMARY_AGENTS.filter((name) => new RegExp(`(^|[\\s;:])${name}\\b`).test(list))
  const missing = PRIMARY_AGENTS.filter((name) => !named.includes(name))
  return {
    title: "Tool definition size",
    rows: [
      { figure: `session tool definition, ${PRIMARY_AGENTS.length} primary agents (chars)`, value: chars, target: `≤ ${MAX_CHARS}`, ok: chars <= MAX_CHARS },
      {
        figure: "primary agents named in its description",
        value: `${named.length}/${PRIMARY_AGENTS.length}`,
        target: "all",
        ok: missing.length === 0,
      },
    ],
    details: {
      chars,
      descriptionChars: description.length,
      parametersChars: JSON.stringify(tool.function.parameters ?? {}).length,
      agents: PRIMARY_AGENTS,
      missing,
      tool,
    },
  }
}
