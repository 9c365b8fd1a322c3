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

  /** A life changed: the starts waiting for it may be ready. */
  changed(life: Life | undefined): void {
    if (!life || !isFinished(life.state)) return
    for (const [sessionID, held] of [...this.held]) if (held.on.includes(life.sessionID)) this.check(sessionID)
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
    for (const callerID of new Set([...this.held.values()].map((held) => held.entry.call.sessionID))) if (callerID === sessionID) this.dropAll(callerID)
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
    if (!lives.every((life) => !life || isFinished(life.state))) return
    held.releasing = true
    this.withAnswers(held, lives).then(
      (entry) => {
        // A stop (or the caller's deletion) while the answers were read drops it: it does not start.
        if (this.held.get(sessionID) !== held) return
        this.held.delete(sessionID)
        this.deps.ready(entry)
      },
      (error: unknown) => {
        this.held.delete(sessionID)
        this.deps.notifier.error(`${held.entry.session.title} could not start after the others: ${describeError(error)}`)
      },
    )
  }

  /** The entry with its first message: the answers it waited for, each under its session, then its own text. */
  private async withAnswers({ entry, on }: Held, lives: ReadonlyArray<Life | undefined>): Promise<FirstTurn> {
    const answered: Answered[] = await Promise.all(
      on.map(async (sessionID, index) => {
        const life = lives[index]
        const turn = life && owedTurns(life).at(-1)
        if (!life || !turn) return deletedOne(sessionID)
        const answers = await this.deps.lifecycle.answers(life, [turn.key])
        return { ...turn, answer: answers.get(turn.key), spent: this.deps.lifecycle.spent(sessionID) }
      }),
    )
    const text = `${(this.deps.wording ?? asWritten)(words.header.after(answered.length))}\n\n${answered.map(words.report.block).join("\n\n")}\n\n${entry.call.text}`
    return { ...entry, call: { ...entry.call, text } }
  }
}

function deletedOne(sessionID: string): Answered {
  return { key: sessionID, sessionID, title: "(deleted)", agent: "?", mode: "new", state: { state: "deleted" } }
}
