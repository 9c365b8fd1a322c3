/**
 * Every word the `session` tool puts before a language model: its description and parameters,
 * its results and refusals, and the headers of what it delivers (hand-offs, reports). A model
 * knows nothing but these, so each says what happened, what happens next and when, and what
 * is valid. Plain ASCII. Nothing here is ever parsed back: what the plugin needs to know again
 * is kept in structured records (core/protocol.ts). Read them together: description.ts,
 * results.ts (what happened), standing.ts (how sessions stand), refusals.ts, phrases.ts.
 */
import type { StartMarker } from "../../core/protocol.js"
import type { Handoff, Launched, Sender } from "../../core/types.js"
import { description } from "./description.js"
import { refusals } from "./refusals.js"
import { results, type StartedNow } from "./results.js"
import { standing } from "./standing.js"

export { AGENT_WORDS, type Defaults } from "./description.js"
export { asksText, stopReason } from "./phrases.js"
export type { StartedNow, StoppedRow } from "./results.js"
export type { AskingRow, Below, StatusRow, TeamRow } from "./standing.js"

export const english = { ...description, ...refusals, ...standing, ...results, result: { ...results.result, ...standing.result } }

export type Words = typeof english

/** The words in use. */
export const words: Words = english

/**
 * How the words reach the model: as written, or (for a test that shows the plugin never reads
 * its own words back) turned around. Applied where words leave the plugin: the tool's
 * description and parameters, its results and refusals, and the messages it sends.
 */
export type Wording = (text: string) => string

export const asWritten: Wording = (text) => text

/** The wording a process asks for: OPENCODE_SESSIONS_TEST_WORDING=reversed, for tests only. */
export function wordingFor(env: Record<string, string | undefined>): Wording {
  return env.OPENCODE_SESSIONS_TEST_WORDING === "reversed" ? (text) => [...text].reverse().join("") : asWritten
}

/** What a hand-off or a report delivers: its header (words), then its text (the sender's, as it is). */
export function deliveredText(handoff: Pick<Handoff, "kind" | "from" | "text" | "covers" | "followUp" | "reply">, wording: Wording = asWritten): string {
  const covers = handoff.covers ?? [handoff.from]
  const { header } = words
  const first = (() => {
    switch (handoff.kind) {
      case "message":
        return header.message(handoff.from)
      case "compact":
        return header.compact(handoff.from)
      case "follow-up": {
        const team = handoff.followUp?.team
        const report = handoff.followUp?.report ?? "none"
        return team ? header.team(handoff.from, team, report) : header.followUp(handoff.from, report)
      }
      case "report":
        if (handoff.reply) return header.reply(handoff.from)
        return covers.length > 1 ? header.reports(covers.length) : header.report(handoff.from)
    }
  })()
  return `${wording(first)}\n\n${handoff.text}`
}

/** The first message of a session the tool started: its header, then the caller's text. */
export function startedText(from: Sender, marker: Pick<StartMarker, "mode" | "report" | "name">, text: string, wording: Wording = asWritten): string {
  return `${wording(words.header.started(from, marker.mode, marker.report, marker.name))}\n\n${text}`
}

/** The result of new or fork, as its first turn stands. */
export function startedResult(session: StartedNow, launched: Launched): string {
  if (launched.kind === "waiting") return words.result.waiting(session, launched.running)
  if (launched.kind === "isolated") return words.result.isolated(session, launched.directory, launched.branch)
  if (launched.kind === "after") return words.result.after(session, launched.on)
  return words.result.started(session)
}
