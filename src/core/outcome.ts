/**
 * What became of a started session, read from its own stored messages: how its last turn ended
 * and with which answer, the same for each turn it owes its caller (its first, and each a
 * follow-up began), and what its turns cost. Pure: stored messages in, facts out.
 */
import type { Ended, Life, State, Turn } from "./life.js"
import { sessionTitle } from "./format.js"
import { followUpsIn, startedCall, startedIn, startMarkerOf, waitingStarts, type RecordedCall } from "./lineage.js"
import { reportKey, type StartMarker, type StopMarker } from "./protocol.js"
import { messageMarker, type Stored } from "./stored.js"

/** How a turn stands by the store, and its answer's text when it answered. */
export type Read = { state: State; answer?: string }

/** The state a stop's marker records: who stopped the session, and for a token limit, the limit and what was used. */
export function stoppedBy(stop: StopMarker): Extract<State, { state: "stopped" }> {
  return { state: "stopped", by: stop.by, ...(stop.limit ? { limit: stop.limit, used: stop.used } : {}) }
}

/** The text of an answer: its text parts, not the synthetic ones OpenCode adds. */
export function answerText(message: Stored): string {
  return message.parts
    .filter((part) => part.type === "text" && !part.synthetic)
    .map((part) => part.text ?? "")
    .join("\n")
    .trim()
}

/**
 * How the latest turn in `messages` stands. `running` is what OpenCode's signals say; with no
 * answer at all and no running turn, it never had its turn.
 */
export function readOutcome(messages: readonly Stored[], running: boolean): Read {
  if (running) return { state: { state: "running" } }
  const newest = messages.at(-1)
  const stop = newest?.info.role === "user" ? messageMarker(newest) : undefined
  if (stop?.kind === "stop") return { state: stoppedBy(stop) }
  const last = [...messages].reverse().find((message) => message.info.role === "assistant")
  if (!last) return { state: { state: "never-started" } }
  const error = last.info.error
  if (error?.name === "MessageAbortedError") return { state: { state: "interrupted" } }
  if (!error && (!last.info.time?.completed || last.info.finish === "tool-calls")) return { state: { state: "cut-off" } }
  if (error) return { state: { state: "failed", error: errorText(error) } }
  return { state: { state: "answered" }, answer: answerText(last) }
}

/** How a turn ended, from the answer a prompt returned (the turn's last message). */
export function endedBy(answer: Stored): Ended {
  const { state } = readOutcome([answer], false)
  return state.state === "answered" || state.state === "failed" || state.state === "interrupted" ? state : { state: "cut-off" }
}

/** An error as OpenCode stores it, on one line: its name, and its message when it has one. */
export function errorText(error: { name?: string; data?: { message?: unknown } }): string {
  return `${error.name ?? "error"}${typeof error.data?.message === "string" ? `: ${error.data.message}` : ""}`
}

/** Where a started session's own history begins: a fork holds copies of its caller's messages before its start marker. */
export function ownStart(messages: readonly Stored[]): number {
  for (let at = messages.length - 1; at >= 0; at--) {
    const message = messages[at]!
    if (message.info.role === "user" && messageMarker(message)?.kind === "start") return at
  }
  return 0
}

const endedOnItsOwn = (read: Read) => ["answered", "failed", "interrupted", "stopped"].includes(read.state.state)

/**
 * How each turn a started session owes its caller stands, by report key (core/protocol.ts): its
 * first turn, and each turn a follow-up began, each from its own message to the next one's. A
 * follow-up that joined a running turn before that turn gave an answer of its own shares the
 * answer that came after it.
 */
export function turnOutcomes(sessionID: string, messages: readonly Stored[], running: boolean): Map<string, Read> {
  const from = ownStart(messages)
  const cuts = [{ key: sessionID, at: from }]
  for (let at = from; at < messages.length; at++) {
    const marker = messages[at]!.info.role === "user" ? messageMarker(messages[at]!) : undefined
    if (marker?.kind === "follow-up") cuts.push({ key: reportKey(sessionID, marker.id), at })
  }
  const outcomes = new Map<string, Read>()
  let later: Read | undefined
  for (let index = cuts.length - 1; index >= 0; index--) {
    const end = cuts[index + 1]?.at ?? messages.length
    const own = readOutcome(messages.slice(cuts[index]!.at, end), later === undefined && running)
    const read = later !== undefined && !endedOnItsOwn(own) ? later : own
    outcomes.set(cuts[index]!.key, read)
    later = read
  }
  return outcomes
}

/** Tokens and cost of a started session's own answers, as OpenCode stored what the model reported. */
export type Spent = { input: number; output: number; cost: number }

export const NOTHING_SPENT: Spent = { input: 0, output: 0, cost: 0 }

/** The tokens a spend counts against a limit: input and output (reasoning included). */
export function tokens(spent: Spent): number {
  return spent.input + spent.output
}

/** What one answer cost; output counts reasoning too. */
export function spentOn(info: Stored["info"]): Spent {
  const tokens = info.tokens
  return { input: tokens?.input ?? 0, output: (tokens?.output ?? 0) + (tokens?.reasoning ?? 0), cost: info.cost ?? 0 }
}

/** What each of a started session's own answers cost (not the copies a fork holds), by message. */
export function spentPerAnswer(messages: readonly Stored[]): Map<string, Spent> {
  const spent = new Map<string, Spent>()
  for (const message of messages.slice(ownStart(messages))) if (message.info.role === "assistant") spent.set(message.info.id, spentOn(message.info))
  return spent
}

export function addSpent(a: Spent, b: Spent): Spent {
  return { input: a.input + b.input, output: a.output + b.output, cost: a.cost + b.cost }
}

export function totalSpent(spent: Iterable<Spent>): Spent {
  let total = NOTHING_SPENT
  for (const one of spent) total = addSpent(total, one)
  return total
}

/** A life as the store tells it, with what each of its answers cost, its turns' answers, when its own history began, and the sessions it started itself. */
export type StoredLife = { life: Life; usage: Map<string, Spent>; answers: Map<string, string>; since: number; started: string[] }

/**
 * The life of `sessionID` from its own messages and its caller's records; undefined if the tool
 * did not start it. `running`: OpenCode says a turn runs there now.
 */
export function lifeFromStore(sessionID: string, stored: readonly Stored[], caller: Caller, running: boolean): StoredLife | undefined {
  const callerMessages = caller.messages
  const found = startMarkerOf(stored)
  const call = startedCall(callerMessages, sessionID)
  // Its own marker names its caller, whose record names it. A fork not begun yet has none of its own,
  // but its copy of its caller's history may hold the caller's: then the record tells how it was started.
  const own = found?.fromSession === caller.id && call ? found : undefined
  const marker = own ?? (call && markerOfCall(caller.id, call))
  if (!marker) return undefined
  const messages = own ? stored : []
  const outcomes = turnOutcomes(sessionID, messages, running)
  const waitsHere = waitingStarts(callerMessages).some((start) => start.record.session === sessionID)
  const firstRead = outcomes.get(sessionID)?.state ?? { state: "never-started" }
  const after = call?.record.after
  const waitingFor: State = after?.length ? { state: "waiting", for: "others", on: after } : { state: "waiting", for: "place" }
  const first: State = firstRead.state === "never-started" && waitsHere ? waitingFor : firstRead
  const turns: Turn[] = [{ key: sessionID, state: first }]
  const stopped = latestStop(messages)
  for (const { record, messageID } of followUpsIn(callerMessages)) {
    if (record.session !== sessionID) continue
    const key = reportKey(sessionID, record.id)
    const state = outcomes.get(key)?.state ?? droppedBy(messages, record.id) ?? stopped ?? { state: "never-started" }
    turns.push({ key, followUp: { id: record.id, agent: record.agent, report: record.report, call: messageID }, state })
  }
  const latest = readOutcome(messages, running).state
  const state: State = latest.state === "never-started" && waitsHere ? first : latest
  const start = messages.find((message) => messageMarker(message) === marker)
  const answers = new Map([...outcomes].flatMap(([key, read]) => (read.answer === undefined ? [] : [[key, read.answer] as const])))
  const started = startedIn(messages.slice(ownStart(messages)))
  return { life: { sessionID, marker, state, turns }, usage: spentPerAnswer(messages), answers, since: start?.info.time?.created ?? 0, started }
}

/** Whose life is read: the session that started it, and its messages (their call records). */
export type Caller = { id: string; messages: readonly Stored[] }

/** How a session was started, from the record of the call that started it (before its first message holds its own marker). */
function markerOfCall(callerID: string, { record, messageID, input }: RecordedCall<"started">): StartMarker {
  const text = typeof input?.text === "string" ? input.text : ""
  return {
    kind: "start",
    fromAgent: record.fromAgent,
    fromSession: callerID,
    mode: record.mode,
    agent: record.agent,
    report: record.report,
    call: messageID,
    title: sessionTitle(record.mode, record.agent, text, record.name),
    ...(record.name ? { name: record.name } : {}),
    ...(record.after?.length ? { after: record.after } : {}),
  }
}

function latestStop(messages: readonly Stored[]): State | undefined {
  const newest = messages.at(-1)
  const marker = newest?.info.role === "user" ? messageMarker(newest) : undefined
  return marker?.kind === "stop" ? stoppedBy(marker) : undefined
}

/** The stop that dropped this follow-up before it was sent, as its state: the stop's marker lists it. */
function droppedBy(messages: readonly Stored[], followUpID: string): State | undefined {
  for (const message of messages) {
    const marker = message.info.role === "user" ? messageMarker(message) : undefined
    if (marker?.kind === "stop" && marker.dropped?.includes(followUpID)) return stoppedBy(marker)
  }
  return undefined
}
