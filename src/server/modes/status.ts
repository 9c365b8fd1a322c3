import type { Part } from "@opencode-ai/sdk"
import { describeError } from "../errors.js"
import { excerpt } from "../../core/format.js"
import type { StartedSession } from "../../core/types.js"
import type { Services } from "../services.js"

type Seen = { state: "working" | "idle" | "failed"; latest: string }

/** What became of the sessions this one started, and what is still queued here. Read-only. */
export async function status({ opencode, book }: Services, sessionID: string): Promise<string> {
  const started = book.started(sessionID)
  const pending = book.pending(sessionID)
  const statuses = started.length > 0 ? await opencode.statuses() : {}
  const seen = await Promise.all(started.map((session) => look(opencode, session, statuses[session.sessionID]?.type)))

  const lines: string[] = []
  lines.push(started.length ? `Sessions you started (${started.length}):` : "Sessions you started: none.")
  started.forEach((session, index) => {
    const { state, latest } = seen[index]!
    lines.push(`- ${session.sessionID} "${session.title}" ${session.mode}, agent ${session.agent}, ${state}${latest ? `: ${latest}` : ""}`)
  })
  lines.push(pending.length ? `Queued here (${pending.length}):` : "Queued here: none.")
  for (const handoff of pending) lines.push(`- ${handoff.kind} → ${handoff.agent}: ${excerpt(handoff.text, 60)}`)
  if (started.length) lines.push("The person can open these from the session list (/sessions).")
  return lines.join("\n")
}

async function look(opencode: Services["opencode"], session: StartedSession, statusType: string | undefined): Promise<Seen> {
  let messages
  try {
    messages = await opencode.messages(session.sessionID)
  } catch (error) {
    return { state: "failed", latest: `(cannot read it: ${describeError(error)})` }
  }
  const lastAnswer = [...messages].reverse().find((message) => message.info.role === "assistant")
  const error = lastAnswer?.info.error as { name?: string } | undefined
  const text = (lastAnswer?.parts ?? [])
    .filter((part): part is Extract<Part, { type: "text" }> => part.type === "text")
    .map((part) => part.text)
    .join(" ")
  const working = statusType !== undefined && statusType !== "idle"
  const state = working ? "working" : error ? "failed" : "idle"
  const latest = error && !working ? `${error.name ?? "error"}` : text ? excerpt(text, 120) : ""
  return { state, latest }
}
