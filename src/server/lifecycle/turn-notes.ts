import { BoundedMap } from "../../core/bounded.js"
import type { Ended } from "../../core/life.js"

/** Sessions whose turns are noted. */
const REMEMBERED = 2_000

type Notes = {
  /** Turns begun in the session so far, as this copy heard them. */
  begun: number
  /** How the running turn is ending, as OpenCode said before its idle (an error, an abort). */
  ending?: Ended
  /** The texts of the latest answer's parts, as OpenCode streamed them. */
  answer?: { messageID: string; parts: Map<string, string> }
  /** The answer the running turn gave (its last step finished, not for a tool call), before its idle. */
  given?: string
}

/**
 * What OpenCode's events tell of each session's turns as they run, for the lifecycle: how many
 * have begun, how the running one is ending, and its latest answer's text, so that how a turn
 * ended, and what it answered, is known when it ends, without a read.
 */
export class TurnNotes {
  private readonly notes = new BoundedMap<string, Notes>(REMEMBERED)

  /** A turn began: what the last one said is done with. */
  began(sessionID: string): void {
    this.notes.set(sessionID, { begun: this.begun(sessionID) + 1 })
  }

  /** How many turns have begun in `sessionID` (0 for one never heard of). */
  begun(sessionID: string): number {
    return this.notes.get(sessionID)?.begun ?? 0
  }

  ending(sessionID: string): Ended | undefined {
    return this.notes.get(sessionID)?.ending
  }

  endsAs(sessionID: string, ending: Ended): void {
    this.notes.set(sessionID, { ...this.of(sessionID), ending })
  }

  /** A text part of an answer in `sessionID`, as streamed so far; a newer answer replaces the older. */
  texted(sessionID: string, messageID: string, partID: string, text: string): void {
    const notes = this.of(sessionID)
    const answer = notes.answer?.messageID === messageID ? notes.answer : { messageID, parts: new Map<string, string>() }
    answer.parts.set(partID, text)
    this.notes.set(sessionID, { ...notes, answer })
  }

  /** The running turn's step `messageID` finished with its answer; false if that was known already. */
  gave(sessionID: string, messageID: string): boolean {
    const notes = this.of(sessionID)
    if (notes.given === messageID) return false
    this.notes.set(sessionID, { ...notes, given: messageID })
    return true
  }

  /** The text of the answer the running turn gave, if it gave one and OpenCode streamed it here. */
  given(sessionID: string): string | undefined {
    const notes = this.notes.get(sessionID)
    return notes?.given !== undefined && notes.answer?.messageID === notes.given ? this.answer(sessionID) : undefined
  }

  /** The latest answer's text, if OpenCode streamed it here. */
  answer(sessionID: string): string | undefined {
    const parts = this.notes.get(sessionID)?.answer?.parts
    return parts ? [...parts.values()].join("\n").trim() : undefined
  }

  private of(sessionID: string): Notes {
    return this.notes.get(sessionID) ?? { begun: 0 }
  }
}
