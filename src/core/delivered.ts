import { markerMetadata, type MessageMarker } from "./protocol.js"
import type { Handoff } from "./types.js"

/** The marker a delivered hand-off or report carries: who sent it, and the call it delivers or the sessions it reports. */
export function deliveredMarker(handoff: Pick<Handoff, "kind" | "from" | "covers" | "callID" | "followUp">): MessageMarker {
  const from = { fromAgent: handoff.from.agent, fromSession: handoff.from.sessionID }
  if (handoff.kind === "report")
    return { kind: "report", ...from, sessions: (handoff.covers ?? [handoff.from]).map((sender) => sender.key ?? sender.sessionID) }
  if (handoff.kind === "follow-up") return { kind: "follow-up", ...from, id: handoff.followUp?.id ?? "" }
  return { kind: handoff.kind, ...from, ...(handoff.callID ? { callID: handoff.callID } : {}) }
}

export function deliveredMetadata(handoff: Pick<Handoff, "kind" | "from" | "covers" | "callID" | "followUp">): Record<string, unknown> {
  return markerMetadata(deliveredMarker(handoff))
}
