/** Builders for the scripted model's directives, and readers for what OpenCode stored. */
import type { Part } from "@opencode-ai/sdk"
import type { StoredMessage } from "./harness.js"

export type SessionCall = {
  mode: string
  text?: string
  agent?: string
  model?: string
  report?: boolean | "each"
  session?: string
  timeout?: number
  isolation?: string
}

/** A line that makes the scripted model call the `session` tool with these arguments. */
export function callSession(args: SessionCall): string {
  return `@session ${JSON.stringify(args)}`
}

export function lines(...parts: string[]): string {
  return parts.join("\n")
}

export type ToolPart = Extract<Part, { type: "tool" }>

export function textOf(message: StoredMessage): string {
  return message.parts
    .filter((part): part is Extract<Part, { type: "text" }> => part.type === "text")
    .map((part) => part.text)
    .join("\n")
}

export function toolParts(messages: StoredMessage[]): ToolPart[] {
  return messages.flatMap((message) => message.parts.filter((part): part is ToolPart => part.type === "tool"))
}

export function sessionToolParts(messages: StoredMessage[]): ToolPart[] {
  return toolParts(messages).filter((part) => part.tool === "session")
}

/** The tool's result text, or its error message. */
export function toolOutcome(part: ToolPart): { status: string; text: string } {
  const state = part.state
  if (state.status === "completed") return { status: "completed", text: state.output }
  if (state.status === "error") return { status: "error", text: state.error }
  return { status: state.status, text: "" }
}

/** One line per message: `role:agent` — the shape of a conversation, for assertions. */
export function shape(messages: StoredMessage[]): string[] {
  return messages.map((message) => {
    const info = message.info
    return info.role === "user" ? `user:${info.agent}` : `assistant:${info.mode}${info.summary ? ":summary" : ""}`
  })
}

export function completedAt(message: StoredMessage): number {
  return message.info.role === "assistant" ? (message.info.time.completed ?? Number.POSITIVE_INFINITY) : message.info.time.created
}

export function sessionIdIn(text: string): string | undefined {
  return /\b(ses_[A-Za-z0-9]+)/.exec(text)?.[1]
}

/** The sessions the caller's completed `session` calls started (or queued to start), in call order. */
export function startedSessionsIn(messages: StoredMessage[]): string[] {
  return sessionToolParts(messages)
    .map(toolOutcome)
    .filter((outcome) => outcome.status === "completed" && /^(Started|Queued|Starting) session/.test(outcome.text))
    .map((outcome) => sessionIdIn(outcome.text)!)
}
