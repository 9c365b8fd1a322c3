/**
 * Reading what 0.1.0 wrote. 0.1.0 kept no record on its `session` tool calls: the session a
 * `new`/`fork` call started, and the answers a `wait` returned, were only in the words of its
 * results. Those words are frozen here, as 0.1.0 wrote them, and read only from calls that carry
 * no record (core/protocol.ts); what the plugin writes now is never read this way.
 */
import type { StoredPart } from "./protocol.js"

const STARTED = /\bsession (ses_[A-Za-z0-9]+)/
const COLLECTED = /^Finished: \d+ of \d+ \(([^)]*)\)/

function completedCall(part: StoredPart, mode: string): string | undefined {
  if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed" || part.state.input?.mode !== mode) return undefined
  return part.state.output ?? ""
}

/** The session a 0.1.0 `new` or `fork` call started, from its result. */
export function legacyStarted(part: StoredPart): string | undefined {
  const output = completedCall(part, "new") ?? completedCall(part, "fork")
  return output === undefined ? undefined : STARTED.exec(output)?.[1]
}

/** The sessions whose answers a 0.1.0 `wait` returned, from its result's first line. */
export function legacyCollected(part: StoredPart): string[] {
  const output = completedCall(part, "wait")
  const ids = output === undefined ? undefined : COLLECTED.exec(output)?.[1]
  return ids ? ids.split(", ").filter(Boolean) : []
}
