import type { OpencodeClient } from "@opencode-ai/sdk"

/** Every session (or the given ones): who said what, in order. Printed when a test fails. */
export async function renderTranscript(client: OpencodeClient, sessionIDs?: string[]): Promise<string> {
  const ids = sessionIDs ?? ((await client.session.list()).data ?? []).map((s) => s.id).reverse()
  const lines: string[] = []
  for (const id of ids) {
    const session = (await client.session.get({ path: { id } })).data
    lines.push(`── session ${id} "${session?.title ?? "?"}"${session?.parentID ? ` (child of ${session.parentID})` : ""}`)
    for (const message of (await client.session.messages({ path: { id } })).data ?? []) {
      const info = message.info
      const who = info.role === "user" ? `user→${info.agent}` : `${info.mode ?? "?"}${info.summary ? " (summary)" : ""}`
      const error = info.role === "assistant" && info.error ? ` [error: ${info.error.name}]` : ""
      for (const part of message.parts) {
        if (part.type === "text") lines.push(`  ${who}: ${part.text.replace(/\s+/g, " ").slice(0, 160)}${error}`)
        else if (part.type === "tool") {
          const state = part.state
          const detail = state.status === "completed" ? state.output : state.status === "error" ? state.error : ""
          lines.push(`  ${who}: [tool ${part.tool} ${state.status}] ${JSON.stringify(state.input)} → ${String(detail).replace(/\s+/g, " ").slice(0, 200)}`)
        } else if (part.type === "compaction") lines.push(`  ${who}: [compaction]`)
      }
      if (message.parts.length === 0 && error) lines.push(`  ${who}:${error}`)
    }
  }
  return lines.join("\n")
}
