/**
 * Figure 3 — the `session` tool's definition as the model receives it, with six primary agents
 * (build, plan and four configured ones): it goes with every model request of every session,
 * so its size is paid again and again. Measured in a real model request, beside every other
 * tool OpenCode sent in that same request (its own included): the share is what this one tool
 * adds to what every request already carries. It must still name every agent it can target.
 */
import type { Measured } from "./report.js"
import { PRIMARY_AGENTS, type Server } from "./servers.js"

const MAX_CHARS = 3_000
const MAX_SHARE = 0.12

export async function toolSize({ oc }: Server): Promise<Measured> {
  const request = [...oc.model.requests].reverse().find((recorded) => recorded.tools.some((tool) => tool.function.name === "session"))
  const tool = request?.tools.find((candidate) => candidate.function.name === "session")
  if (!request || !tool) throw new Error("no model request has carried the session tool yet")
  const chars = JSON.stringify(tool).length
  // The bench's own floor tools (figures 4, 13) are no part of what a person's requests carry.
  const tools = request.tools.filter((each) => !each.function.name.startsWith("bare_"))
  const allChars = tools.reduce((sum, each) => sum + JSON.stringify(each).length, 0)
  const share = chars / allChars
  const description = tool.function.description ?? ""
  // Names are looked for in the agent list at the end of the description, as whole words.
  const list = description.includes("Agents:") ? description.slice(description.indexOf("Agents:")) : description
  const named = PRIMARY_AGENTS.filter((name) => new RegExp(`(^|[\\s;:])${name}\\b`).test(list))
  const missing = PRIMARY_AGENTS.filter((name) => !named.includes(name))
  return {
    title: "Tool definition size",
    rows: [
      {
        figure: `session tool definition, ${PRIMARY_AGENTS.length} primary agents (chars)`,
        value: chars,
        target: `≤ ${MAX_CHARS.toLocaleString("en")}`,
        ok: chars <= MAX_CHARS,
      },
      {
        figure: `  its share of the ${tools.length} tool definitions of the same model request (${allChars} chars)`,
        value: `${(share * 100).toFixed(1)}%`,
        target: `≤ ${MAX_SHARE * 100}%`,
        ok: share <= MAX_SHARE,
      },
      {
        figure: "primary agents named in its description",
        value: `${named.length}/${PRIMARY_AGENTS.length}`,
        target: "all",
        ok: missing.length === 0,
      },
    ],
    details: {
      chars,
      allToolsChars: allChars,
      share,
      tools: tools.map((each) => ({ name: each.function.name, chars: JSON.stringify(each).length })),
      descriptionChars: description.length,
      parametersChars: JSON.stringify(tool.function.parameters ?? {}).length,
      agents: PRIMARY_AGENTS,
      missing,
      tool,
    },
  }
}
