/** A transcript for people: who said what in each session, without the scripted model's directives. */
import type { Harness, StoredMessage } from "../test/e2e/harness.js"
import { pluginMarker, toolOutcome, type ToolPart } from "../test/e2e/script.js"
import { plainWords } from "../test/e2e/scripted-model.js"

function firstLine(text: string, max = 110): string {
  const line = plainWords(text.split("\n")[0] ?? "")
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function describeCall(part: ToolPart): string {
  const input = part.state.input as { mode?: string; agent?: string; text?: string; report?: boolean }
  const target = input.agent ? ` → ${input.agent}` : ""
  const text = input.text ? `: "${firstLine(input.text, 60)}"` : ""
  const outcome = toolOutcome(part)
  return `calls session(${input.mode}${target}${input.report ? ", report" : ""})${text}\n        ${outcome.status === "error" ? "refused" : "result"}: ${firstLine(outcome.text)}`
}

function who(message: StoredMessage): string {
  const info = message.info
  if (info.role === "user") {
    if (message.parts.some((part) => part.type === "compaction")) return "compaction"
    const kind = pluginMarker(message)?.kind
    if (kind === "start") return `started → ${info.agent}`
    if (kind) return `${kind === "report" ? "report" : "hand-off"} → ${info.agent}`
    return `person → ${info.agent}`
  }
  return info.summary ? "summary" : info.mode
}

export async function printTranscript(oc: Harness, sessionIDs: string[]): Promise<void> {
  for (const id of sessionIDs) {
    const session = (await oc.client.session.get({ path: { id } })).data
    console.log(`  ┌ session ${id}  "${session?.title ?? "?"}"`)
    for (const message of await oc.messages(id)) {
      const label = who(message).padEnd(18)
      for (const part of message.parts) {
        if (part.type === "text" && plainWords(part.text))
          console.log(
            `  │ ${label} ${firstLine(
              part.text.replace(/^\[[^\]]*\]\s*/, (header) => `${header.trim()} `),
              150,
            )}`,
          )
        else if (part.type === "tool" && part.tool === "session") console.log(`  │ ${label} ${describeCall(part)}`)
        else if (part.type === "compaction") console.log(`  │ ${label} (OpenCode compacts the conversation)`)
      }
      if (message.info.role === "assistant" && message.info.error) console.log(`  │ ${label} [error: ${message.info.error.name}]`)
    }
    console.log("  └")
  }
}
