import type { Answered } from "../../core/gather.js"
import { isFinished, owedTurns, type Life } from "../../core/life.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import { asWritten, words, type Wording } from "../words/index.js"
import type { FirstTurn } from "./first-turn.js"

/** A first turn that waits for other sessions' answers (`after`): their ids; `releasing` once they have all finished and their answers are being read. */
type Held = { entry: FirstTurn; on: readonly string[]; releasing?: boolean }

export type AfterOthersDeps = {
  lifecycle: Lifecycle
  notifier: Notifier
  /** Its wait is over: its first message carries their answers now; it starts like any other (a free place, its worktree). */
  ready: (entry: FirstTurn) => void
  /** Whether nothing will go on in `sessionID`'s running turn after the answer it gave (nothing queued for it, nothing joined it). */
  quiet: (sessionID: string) => boolean
  wording?: Wording
}

/**
 * Starts that wait for others (`after`): the session is made at once, and its first turn waits
 * until every session it names has finished; its first message then carries their final answers,
 * each under its session, then its own text. Held here until then; a stop, the person's interrupt
 * or the caller's deletion drops one, as it drops a start waiting for a place.
 */
export class AfterOthers {
  private readonly held = new Map<string, Held>()

  constructor(private readonly deps: AfterOthersDeps) {}

  /** Holds `entry` until `on` have all finished (read back from the store where this copy does not hold them). */
  hold(entry: FirstTurn, on: readonly string[]): void {
    this.held.set(entry.session.id, { entry, on })
    this.deps.lifecycle.change(entry.session.id, { type: "wait", for: "others", on })
    Promise.all(on.map((sessionID) => this.deps.lifecycle.find(sessionID))).then(
      () => this.check(entry.session.id),
      (error: unknown) => this.deps.notifier.error(`Could not read the sessions ${entry.session.title} waits for: ${describeError(error)}`),
    )
  }

  /** A life changed, or a running turn gave its answer: the starts waiting for that session may be ready. */
  changed(life: Life | undefined): void {
    if (!life || !this.done(life)) return
    for (const [sessionID, held] of [...this.held]) if (held.on.includes(life.sessionID)) this.check(sessionID)
  }

  /**
   * Finished, or its running turn gave its answer and nothing will go on in it: its idle comes a
   * few milliseconds later (OpenCode ends the turn), and the start need not wait for it.
   */
  private done(life: Life): boolean {
    return isFinished(life.state) || (this.deps.lifecycle.givenAnswer(life.sessionID) !== undefined && this.deps.quiet(life.sessionID))
  }

  /** Whether `sessionID` waited here for `callerID`: it no longer will (a stop). */
  drop(callerID: string, sessionID: string): boolean {
    const held = this.held.get(sessionID)
    if (held?.entry.call.sessionID !== callerID) return false
    this.held.delete(sessionID)
    return true
  }

  /** Every start of `callerID` waiting here: dropped (the person interrupted it). */
  dropAll(callerID: string): string[] {
    const dropped = [...this.held].filter(([, held]) => held.entry.call.sessionID === callerID).map(([sessionID]) => sessionID)
    for (const sessionID of dropped) this.held.delete(sessionID)
    return dropped
  }

  /** A session was deleted: if it waited here, or its caller was, it goes. */
  forget(sessionID: string): void {
    this.held.delete(sessionID)
    this.dropAll(sessionID)
  }

  /** OpenCode unloads this copy: what waits here is left to the next copy (recovery reads it from the records). */
  clear(): number {
    const count = this.held.size
    this.held.clear()
    return count
  }

  private check(sessionID: string): void {
    const held = this.held.get(sessionID)
    if (!held || held.releasing) return
    const lives = held.on.map((id) => this.deps.lifecycle.life(id))
    // One the store no longer holds (deleted) counts as finished: it will not answer.
    if (!lives.every((life) => !life || this.done(life))) return
    held.releasing = true
    // From memory when every answer is known (the one a turn just gave, or kept as it ended): the
    // first turn is asked for in the same tick; else the answers are read first.
    const known = held.on.map((id, index) => this.answeredNow(id, lives[index]))
    if (known.every((one): one is Answered => one !== undefined)) return this.release(sessionID, held, known)
    this.read(held, lives).then(
      (answered) => this.release(sessionID, held, answered),
      (error: unknown) => {
        this.held.delete(sessionID)
        this.deps.notifier.error(`${held.entry.session.title} could not start after the others: ${describeError(error)}`)
      },
    )
  }

  /** Starts it with the answers it waited for, each under its session, then its own text; unless a stop (or the caller's deletion) dropped it meanwhile. */
  private release(sessionID: string, held: Held, answered: readonly Answered[]): void {
    if (this.held.get(sessionID) !== held) return
    this.held.delete(sessionID)
    const { entry } = held
    const text = `${(this.deps.wording ?? asWritten)(words.header.after(answered.length))}\n\n${answered.map(words.report.block).join("\n\n")}\n\n${entry.call.text}`
    this.deps.ready({ ...entry, call: { ...entry.call, text } })
  }

  /** One awaited session's answer, from memory: undefined when it must be read. */
  private answeredNow(sessionID: string, life: Life | undefined): Answered | undefined {
    const turn = life && owedTurns(life).at(-1)
    if (!life || !turn) return deletedOne(sessionID)
    const { lifecycle } = this.deps
    const spent = lifecycle.spent(sessionID)
    const given = isFinished(life.state) ? undefined : lifecycle.givenAnswer(sessionID)
    if (given !== undefined) return { ...turn, state: { state: "answered" }, answer: given, spent }
    const kept = lifecycle.knownAnswer(sessionID, turn.key)
    // Only an answered turn has a text to read; the others' words say how they ended.
    return kept !== undefined || turn.state.state !== "answered" ? { ...turn, answer: kept, spent } : undefined
  }

  private read({ on }: Held, lives: ReadonlyArray<Life | undefined>): Promise<Answered[]> {
    return Promise.all(
      on.map(async (sessionID, index) => {
        const life = lives[index]
        const now = this.answeredNow(sessionID, life)
        if (now || !life) return now ?? deletedOne(sessionID)
        const turn = owedTurns(life).at(-1)!
        const answers = await this.deps.lifecycle.answers(life, [turn.key])
        return { ...turn, answer: answers.get(turn.key), spent: this.deps.lifecycle.spent(sessionID) }
      }),
    )
  }
}

function deletedOne(sessionID: string): Answered {
  return { key: sessionID, sessionID, title: "(deleted)", agent: "?", mode: "new", state: { state: "deleted" } }
}
