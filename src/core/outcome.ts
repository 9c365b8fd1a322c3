/**
 * What became of a started session, read from its own stored messages: the outcome of its last
 * turn, of each turn it owes its caller (its first, and each a follow-up began), and what its
 * turns cost. Pure: stored messages in, facts out.
 */
import { messageMarker, reportKey, type StopCause, type StopMarker, type Stored } from "./protocol.js"

export type Outcome =
  | { state: "working" }
  | { state: "waiting" }
  | { state: "idle"; answer: string }
  | { state: "failed"; error: string }
  | { state: "interrupted" }
  /** The plugin stopped it (its caller, the person, or the `maxTokens` limit): done, without an answer. */
  | { state: "stopped"; by: StopCause; limit?: number; used?: number }
  /** Its turn was cut half-way with no error (OpenCode stopped meanwhile): not finished. */
  | { state: "cut-off" }
  /** It never had a turn and will not start by itself (dropped by an interruption, or not resumable): done, without an answer. */
  | { state: "never-started" }

/** The outcome a stop's marker records: who stopped the session, and for a token limit, the limit and what was used. */
export function stoppedBy(stop: StopMarker): Outcome {
  return { state: "stopped", by: stop.by, ...(stop.limit ? { limit: stop.limit, used: stop.used } : {}) }
}

/**
 * What became of a started session: its last answer, or why there is none. `running` is what
 * OpenCode's status says; a session with no answer yet and no running turn has not started.
 */
export function outcomeOf(messages: readonly Stored[], running: boolean): Outcome {
  if (running) return { state: "working" }
  const newest = messages.at(-1)
  const stop = newest?.info.role === "user" ? messageMarker(newest) : undefined
  if (stop?.kind === "stop") return stoppedBy(stop)
  const last = [...messages].reverse().find((message) => message.info.role === "assistant")
  if (!last) return { state: "waiting" }
  const error = last.info.error
  if (error?.name === "MessageAbortedError") return { state: "interrupted" }
  if (!error && (!last.info.time?.completed || last.info.finish === "tool-calls")) return { state: "cut-off" }
  if (error) return { state: "failed", error: `${error.name ?? "error"}${typeof error.data?.message === "string" ? `: ${error.data.message}` : ""}` }
  const answer = last.parts
    .filter((part) => part.type === "text" && !part.synthetic)
    .map((part) => part.text ?? "")
    .join("\n")
    .trim()
  return { state: "idle", answer }
}

/** Where a started session's own history begins: a fork holds copies of its caller's messages before its start marker. */
function ownStart(messages: readonly Stored[]): number {
  for (let at = messages.length - 1; at >= 0; at--) {
    const message = messages[at]!
    if (message.info.role === "user" && messageMarker(message)?.kind === "start") return at
  }
  return 0
}

function endedOnItsOwn(outcome: Outcome): boolean {
  return outcome.state === "idle" || outcome.state === "failed" || outcome.state === "interrupted" || outcome.state === "stopped"
}

/**
 * What became of each turn a started session owes its caller, by report key (core/protocol.ts):
 * its first turn, and each turn a follow-up began, each from its own message to the next one's.
 * A follow-up that joined a running turn before that turn gave an answer of its own shares the
 * answer that came after it.
 */
export function turnOutcomes(sessionID: string, messages: readonly Stored[], running: boolean): Map<string, Outcome> {
  const from = ownStart(messages)
  const cuts = [{ key: sessionID, at: from }]
  for (let at = from; at < messages.length; at++) {
    const marker = messages[at]!.info.role === "user" ? messageMarker(messages[at]!) : undefined
    if (marker?.kind === "follow-up") cuts.push({ key: reportKey(sessionID, marker.id), at })
  }
  const outcomes = new Map<string, Outcome>()
  let later: Outcome | undefined
  for (let index = cuts.length - 1; index >= 0; index--) {
    const end = cuts[index + 1]?.at ?? messages.length
    const own = outcomeOf(messages.slice(cuts[index]!.at, end), later === undefined && running)
    const outcome = later !== undefined && !endedOnItsOwn(own) ? later : own
    outcomes.set(cuts[index]!.key, outcome)
    later = outcome
  }
  return outcomes
}

/** Tokens and cost of a started session's own answers, as OpenCode stored what the model reported. */
export type Spent = { input: number; output: number; cost: number }

export const NOTHING_SPENT: Spent = { input: 0, output: 0, cost: 0 }

/** What a started session's own turns cost (not the copies a fork holds); output counts reasoning too. */
export function spentIn(messages: readonly Stored[]): Spent {
  const spent = { ...NOTHING_SPENT }
  for (const message of messages.slice(ownStart(messages))) {
    if (message.info.role !== "assistant") continue
    const tokens = message.info.tokens
    spent.input += tokens?.input ?? 0
    spent.output += (tokens?.output ?? 0) + (tokens?.reasoning ?? 0)
    spent.cost += message.info.cost ?? 0
  }
  return spent
}

export function addSpent(a: Spent, b: Spent): Spent {
  return { input: a.input + b.input, output: a.output + b.output, cost: a.cost + b.cost }
}
