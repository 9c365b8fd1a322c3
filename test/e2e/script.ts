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
  name?: string
  after?: string | string[]
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

/** Key of the plugin's metadata: on the records it leaves on its calls, and the markers on the messages it sends. */
const PLUGIN_KEY = "opencode-sessions"

/** The record the plugin leaves on a completed `session` call: what the call did (src/core/protocol.ts CallRecord). */
export type CallRecord = {
  kind?: "started" | "handoff" | "collected" | "follow-up" | "stopped"
  session?: string
  sessions?: string[]
  mode?: string
  agent?: string
  report?: string
  waiting?: boolean
  isolated?: boolean
  id?: string
}

/** The call's record, as the plugin reads it back: never its words. */
export function callRecord(part: ToolPart): CallRecord | undefined {
  const record = part.state.status === "completed" ? part.state.metadata?.[PLUGIN_KEY] : undefined
  return record && typeof record === "object" ? record : undefined
}

/** The one session a call started (or queued to start), from its record. */
export function startedBy(part: ToolPart): string | undefined {
  const record = callRecord(part)
  return record?.kind === "started" ? record.session : undefined
}

/** The sessions the caller's completed `session` calls started (or queued to start), in call order, from their records. */
export function startedSessionsIn(messages: StoredMessage[]): string[] {
  return sessionToolParts(messages)
    .map(startedBy)
    .filter((session): session is string => session !== undefined)
}

/** The marker the plugin keeps on a message it sent (a hand-off, a report, a started session's first message). */
export type PluginMarker = {
  kind?: string
  sessions?: string[]
  by?: string
  id?: string
  callID?: string
  fromSession?: string
  isolation?: { directory: string; prefix: string }
}

export function pluginMarker(message: StoredMessage): PluginMarker | undefined {
  for (const part of message.parts) {
    const marker = part.type === "text" ? part.metadata?.[PLUGIN_KEY] : undefined
    if (marker && typeof marker === "object") return marker
  }
  return undefined
}

/** The report keys a report holds (a started session's id, or `<id>/<follow-up id>`), from its marker; none for another message. */
export function reportedSessions(message: StoredMessage): string[] {
  const marker = pluginMarker(message)
  return marker?.kind === "report" ? (marker.sessions ?? []) : []
}
