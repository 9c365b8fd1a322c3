/** Waits built on the harness: each resolves on what OpenCode stores or publishes. */
import type { Harness, StoredMessage } from "./harness.js"
import { callRecord, pluginMarker, sessionToolParts, shape, textOf, toolOutcome } from "./script.js"

function isFinalAnswer(message: StoredMessage): boolean {
  return message.info.role === "assistant" && Boolean(message.info.time.completed) && message.info.finish !== "tool-calls"
}

/** A message the plugin delivered, not the person's: known by its marker, whatever its words. */
export function isHandoff(message: StoredMessage): boolean {
  return message.info.role === "user" && pluginMarker(message) !== undefined
}

/** A report the plugin delivered: one started session's answer, or a turn's. */
export function isReport(message: StoredMessage): boolean {
  return message.info.role === "user" && pluginMarker(message)?.kind === "report"
}

/** Resolves with the session's messages once it holds `count` finished answers. */
export function answered(oc: Harness, sessionID: string, count: number, timeoutMs?: number): Promise<StoredMessage[]> {
  return oc.waitFor(
    `${count} finished answers in ${sessionID}`,
    async () => {
      const messages = await oc.messages(sessionID)
      return messages.filter(isFinalAnswer).length >= count ? messages : undefined
    },
    timeoutMs,
  )
}

/** Resolves once the session's last message is a finished answer by `agent`. */
export function answeredBy(oc: Harness, sessionID: string, agent: string, timeoutMs?: number): Promise<StoredMessage[]> {
  return oc.waitFor(
    `a finished answer by ${agent} in ${sessionID}`,
    async () => {
      const messages = await oc.messages(sessionID)
      const last = messages.at(-1)
      return last && isFinalAnswer(last) && shape([last])[0] === `assistant:${agent}` ? messages : undefined
    },
    timeoutMs,
  )
}

/**
 * Resolves once a hand-off whose last line is `marker` has been delivered to `agent` and
 * answered: the delivered message is followed by a finished answer.
 */
export function deliveredAndAnswered(oc: Harness, sessionID: string, agent: string, marker: string, timeoutMs?: number) {
  return oc.waitFor(
    `"${marker}" delivered to ${agent} and answered in ${sessionID}`,
    async () => {
      const messages = await oc.messages(sessionID)
      const at = messages.findIndex((m) => m.info.role === "user" && m.info.agent === agent && isHandoff(m) && textOf(m).trim().split("\n").at(-1) === marker)
      return at >= 0 && messages.slice(at + 1).some(isFinalAnswer) ? messages : undefined
    },
    timeoutMs,
  )
}

/**
 * The person writes and gets an answer: whatever the plugin had queued before has had its
 * chance to be delivered, so what the session holds afterwards is final.
 */
export async function fence(oc: Harness, sessionID: string): Promise<StoredMessage[]> {
  await oc.say(sessionID, "@say fence")
  return answeredBy(oc, sessionID, "build")
}

export type Toast = { message: string; variant: string }

/** Toasts the plugin showed since event index `since`. */
export function toasts(oc: Harness, since = 0): Toast[] {
  return oc.events
    .slice(since)
    .filter((event) => event.type === "tui.toast.show")
    .map((event) => event.properties as Toast)
}

/** The outcomes of `sessionID`'s session calls, in order, once `count` of them have one (completed or refused). */
export function sessionResults(oc: Harness, sessionID: string, count: number): Promise<Array<{ status: string; text: string }>> {
  return oc.waitFor(`${count} session results in ${sessionID}`, async () => {
    const outcomes = sessionToolParts(await oc.messages(sessionID)).map(toolOutcome)
    return outcomes.filter((outcome) => outcome.status === "completed" || outcome.status === "error").length >= count ? outcomes : undefined
  })
}

/** The sessions `callerID`'s calls started, by the `name` each call gave (from their records), once all of `names` are there. */
export function namedStarts(oc: Harness, callerID: string, names: readonly string[]): Promise<Map<string, string>> {
  return oc.waitFor(`${names.join(", ")} started by ${callerID}`, async () => {
    const found = new Map<string, string>()
    for (const part of sessionToolParts(await oc.messages(callerID))) {
      const record = callRecord(part)
      const name = part.state.input.name
      if (record?.kind === "started" && record.session && typeof name === "string") found.set(name, record.session)
    }
    return names.every((name) => found.has(name)) ? found : undefined
  })
}
