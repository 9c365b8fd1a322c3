import type { StartMarker } from "./lineage.js"
import type { Handoff } from "./types.js"

/** Key of the metadata the plugin puts on the text parts it sends: how it knows its own messages. */
export const MARKER = "opencode-sessions"

export function markerMetadata(handoff: Pick<Handoff, "kind" | "from" | "covers">): Record<string, unknown> {
  const marker: Record<string, unknown> = { kind: handoff.kind, fromAgent: handoff.from.agent, fromSession: handoff.from.sessionID }
  if (handoff.covers) marker.sessions = handoff.covers.map((sender) => sender.sessionID)
  return { [MARKER]: marker }
}

/** The marker on a started session's first message: where its lineage is kept (see lineage.ts). */
export function startMetadata(marker: StartMarker): Record<string, unknown> {
  return { [MARKER]: marker }
}

export function isPluginMessage(parts: ReadonlyArray<{ type: string; metadata?: Record<string, unknown> }>): boolean {
  return parts.some((part) => part.type === "text" && part.metadata?.[MARKER] !== undefined)
}

/** First words of a text on one line, cut to `max` characters with an ellipsis. */
export function excerpt(text: string, max: number, ellipsis = "…"): string {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - ellipsis.length).trimEnd()}${ellipsis}` : flat
}

/**
 * A title a person recognises in the session list: the agent and the first words of the task.
 * Plain ASCII: a model reads it too, in the tool's results.
 */
export function sessionTitle(mode: "new" | "fork", agent: string, text: string): string {
  const task = excerpt(text.split("\n").find((line) => line.trim()) ?? text, 50, "...")
  return `${mode === "fork" ? "Fork" : "New"} (${agent}): ${task}`
}
