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

/** The first line tells the receiving agent (and the person) who handed over, and how. */
export function handoffHeader(handoff: Pick<Handoff, "kind" | "from" | "covers">): string {
  const from = `agent "${handoff.from.agent}"`
  switch (handoff.kind) {
    case "message":
      return `[Handed over by ${from} with the session tool; not typed by the person.]`
    case "compact":
      return `[Handed over by ${from} after compacting the conversation; not typed by the person.]`
    case "report": {
      const covers = handoff.covers ?? [handoff.from]
      if (covers.length > 1) {
        return `[Reports from the ${covers.length} sessions you started in one turn: their final answers, sent back together.]`
      }
      const title = handoff.from.title ? ` "${handoff.from.title}"` : ""
      return `[Report from session ${handoff.from.sessionID}${title} (${from}): its final answer, sent back automatically.]`
    }
  }
}

export function handoffText(handoff: Pick<Handoff, "kind" | "from" | "text" | "covers">): string {
  return `${handoffHeader(handoff)}\n\n${handoff.text}`
}

/** First words of a text on one line, cut to `max` characters with an ellipsis. */
export function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat
}

/** A title a person recognises in the session list: the agent and the first words of the task. */
export function sessionTitle(mode: "new" | "fork", agent: string, text: string): string {
  const task = excerpt(text.split("\n").find((line) => line.trim()) ?? text, 50)
  return `${mode === "fork" ? "Fork" : "New"} · ${agent}: ${task}`
}
