/**
 * Lineage read back from what OpenCode stores, so that it survives a restart: the records on
 * the caller's `session` calls name the sessions it started and the hand-offs it queued; each
 * started session's first message carries a start marker; each delivered hand-off and report
 * a marker (core/protocol.ts). Pure: stored messages in, facts out.
 */
import type { CallRecord, ModelRef, StartMarker } from "./protocol.js"
import { messageMarker, type Stored } from "./stored.js"

type RecordOf<K extends CallRecord["kind"]> = Extract<CallRecord, { kind: K }>

/** A call of the caller's, with its record, where it stands in the caller's history. */
export type RecordedCall<K extends CallRecord["kind"]> = { record: RecordOf<K>; callID: string; messageID: string; input: Record<string, unknown> | undefined }

function isAborted(message: Stored): boolean {
  return message.info.role === "assistant" && message.info.error?.name === "MessageAbortedError"
}

/** Every recorded call of one kind, in call order; `afterAbort` tells whether the person interrupted a turn later on. */
function recorded<K extends CallRecord["kind"]>(messages: readonly Stored[], kind: K): Array<RecordedCall<K> & { abortedLater: boolean }> {
  const calls: Array<RecordedCall<K> & { abortedLater: boolean }> = []
  const ofKind = (record: CallRecord | undefined): record is RecordOf<K> => record?.kind === kind
  for (const message of messages) {
    if (message.info.role !== "assistant") continue
    for (const part of message.parts) {
      if (ofKind(part.record))
        calls.push({ record: part.record, callID: part.callID ?? "", messageID: message.info.id, input: part.state?.input, abortedLater: false })
    }
    // An interruption drops what was queued or waiting, the calls of the interrupted step included.
    if (isAborted(message)) for (const call of calls) call.abortedLater = true
  }
  return calls
}

/** The sessions the caller started, in call order. */
export function startedIn(callerMessages: readonly Stored[]): string[] {
  const ids: string[] = []
  for (const message of callerMessages) {
    for (const part of message.parts) {
      const id = part.record?.kind === "started" ? part.record.session : undefined
      if (id && !ids.includes(id)) ids.push(id)
    }
  }
  return ids
}

/** The caller's call that started `sessionID`, as its record says. */
export function startedCall(callerMessages: readonly Stored[], sessionID: string): RecordedCall<"started"> | undefined {
  return recorded(callerMessages, "started").find((call) => call.record.session === sessionID)
}

/** The caller's `new`/`fork` calls that left a session waiting for a free place, not dropped by an interruption or a stop since. */
export function waitingStarts(callerMessages: readonly Stored[]): Array<RecordedCall<"started">> {
  const stopped = stoppedIn(callerMessages)
  return recorded(callerMessages, "started").filter((call) => call.record.waiting && !call.abortedLater && !stopped.has(call.record.session))
}

/** The sessions the caller's stop calls stopped (or kept from starting). */
export function stoppedIn(callerMessages: readonly Stored[]): Set<string> {
  return new Set(recorded(callerMessages, "stopped").flatMap((call) => call.record.sessions))
}

/** The follow-ups the caller sent to sessions it started, in call order. */
export function followUpsIn(callerMessages: readonly Stored[]): Array<RecordedCall<"follow-up">> {
  return recorded(callerMessages, "follow-up")
}

/** The follow-ups no later stop of the caller's dropped: those still to deliver, unless their session holds them already. */
export function followUpsNotStopped(callerMessages: readonly Stored[]): Array<RecordedCall<"follow-up">> {
  const stops = recorded(callerMessages, "stopped")
  const order = (call: { messageID: string }) => callerMessages.findIndex((message) => message.info.id === call.messageID)
  return recorded(callerMessages, "follow-up").filter((followUp) =>
    stops.every((stop) => !stop.record.sessions.includes(followUp.record.session) || order(stop) < order(followUp)),
  )
}

/**
 * How a session was started, from the marker on the first message the tool sent it; undefined
 * if not by the tool. A fork holds copies of its caller's messages, markers included, before
 * its own: the last start marker is the session's own.
 */
export function startMarkerOf(messages: readonly Stored[]): StartMarker | undefined {
  let found: StartMarker | undefined
  for (const message of messages) {
    const marker = message.info.role === "user" ? messageMarker(message) : undefined
    if (marker?.kind === "start") found = marker
  }
  return found
}

/** The started sessions whose answers already reached the caller: by the reports' markers, and by the records of its completed waits. */
export function reportedIn(callerMessages: readonly Stored[]): Set<string> {
  const reported = new Set<string>()
  for (const message of callerMessages) {
    const marker = message.info.role === "user" ? messageMarker(message) : undefined
    if (marker?.kind === "report") for (const id of marker.sessions) reported.add(String(id))
    for (const part of message.parts) if (part.record?.kind === "collected") for (const id of part.record.sessions) reported.add(id)
  }
  return reported
}

/** A `message`/`compact` hand-off the caller's tool accepted and that has not been delivered. */
export type PendingHandoff = {
  callID: string
  /** The caller's assistant message that made the call. */
  messageID: string
  mode: "message" | "compact"
  fromAgent: string
  agent: string
  text: string
  model?: ModelRef
  summaryModel?: ModelRef
}

/**
 * The hand-offs accepted in a session and not delivered yet, in call order: each recorded call,
 * less the hand-offs delivered since (their markers name the call; 0.1.0's markers named none
 * and went in order), less what an interruption dropped.
 */
export function pendingHandoffs(messages: readonly Stored[]): PendingHandoff[] {
  let pending: PendingHandoff[] = []
  for (const message of messages) {
    if (message.info.role === "assistant") {
      for (const part of message.parts) {
        const record = part.record
        if (record?.kind !== "handoff") continue
        const text = typeof part.state?.input?.text === "string" ? part.state.input.text.trim() : ""
        pending.push({
          callID: part.callID ?? "",
          messageID: message.info.id,
          mode: record.mode,
          fromAgent: record.fromAgent,
          agent: record.agent,
          text,
          model: record.model,
          summaryModel: record.summaryModel,
        })
      }
      if (isAborted(message)) pending = []
      continue
    }
    const marker = messageMarker(message)
    if (marker?.kind !== "message" && marker?.kind !== "compact") continue
    const delivered = marker.callID ? pending.findIndex((handoff) => handoff.callID === marker.callID) : 0
    if (delivered >= 0) pending.splice(delivered, 1)
  }
  return pending
}

/** A hand-off queued in a session, as the TUI shows it. */
export type QueuedCall = { mode: "message" | "compact"; agent: string; text: string }

/** The hand-offs queued in a session while its turn runs (once it is idle the plugin delivers them at once). */
export function queuedIn(messages: readonly Stored[], running: boolean): QueuedCall[] {
  return running ? pendingHandoffs(messages).map(({ mode, agent, text }) => ({ mode, agent, text })) : []
}

/** The caller's turn that holds assistant message `call`: the user message it answers. */
export function turnOf(callerMessages: readonly Stored[], call: string): string {
  return callerMessages.find((message) => message.info.id === call)?.info.parentID ?? call
}

/**
 * A caller's turn is over once it has a final answer (not one that only called tools), or a
 * later message; until then it may still start sessions that report with the others. (Whether
 * the caller is busy is no sign: 1.0 publishes no busy status.)
 */
export function turnOver(callerMessages: readonly Stored[], turn: string, callerRunning: boolean): boolean {
  const at = callerMessages.findIndex((message) => message.info.id === turn)
  if (at < 0) return !callerRunning
  return callerMessages
    .slice(at + 1)
    .some(
      (message) =>
        (message.info.role === "user" && message.info.id !== turn) ||
        (message.info.role === "assistant" &&
          message.info.parentID === turn &&
          Boolean(message.info.time?.completed) &&
          (message.info.finish !== "tool-calls" || Boolean(message.info.error))),
    )
}
