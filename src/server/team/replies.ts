import type { HandoffBook } from "../../core/book.js"
import { BoundedMap } from "../../core/bounded.js"
import type { Bus } from "../../core/bus.js"
import { isFinished } from "../../core/life.js"
import { followUpsIn, reportedIn } from "../../core/lineage.js"
import { turnOutcomes } from "../../core/outcome.js"
import { reportKey } from "../../core/protocol.js"
import type { Stored } from "../../core/stored.js"
import type { Sender } from "../../core/types.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { readSession } from "../lifecycle/from-store.js"
import { WorkQueued } from "../lifecycle/signals.js"
import type { Claims } from "../state/claims.js"
import { asWritten, words, type Wording } from "../words/index.js"

/** A reply owed to the sender of a team message (`report`): the answer of the recipient's turn that took the message in. */
export type OwedReply = {
  /** The message's id: on its call's record and its delivered marker. */
  id: string
  senderID: string
  /** The agent that answers the reply in the sender's session. */
  senderAgent: string
  recipientID: string
  recipientAgent: string
  title: string
}

const REMEMBERED = 2_000

export type RepliesDeps = {
  opencode: Opencode
  book: HandoffBook
  bus: Bus
  notifier: Notifier
  claims: Pick<Claims, "inProcess" | "heldInProcess" | "claim">
  /** Whether a turn runs in a session now (the lifecycle's answer). */
  running: (sessionID: string) => boolean
  wording?: Wording
}

/**
 * Replies to team messages: a message a started session sends its caller or a sibling with
 * `report` owes the sender the answer of the recipient's turn that takes it in. Once that turn
 * has ended, the answer (or why there is none) goes back to the sender on its own, as a report.
 * Held in memory from the call on; after a restart, read again from the sender's records and the
 * recipient's messages (`resume`). Sent once: claimed like reports.
 */
export class Replies {
  /** By recipient. */
  private readonly owed = new BoundedMap<string, OwedReply[]>(REMEMBERED)

  constructor(private readonly deps: RepliesDeps) {}

  owe(reply: OwedReply): void {
    this.owed.set(reply.recipientID, [...(this.owed.get(reply.recipientID) ?? []), reply])
  }

  /** Whether `senderID` still waits for a reply. */
  owes(senderID: string): boolean {
    return [...this.owed.values()].some((replies) => replies.some((reply) => reply.senderID === senderID))
  }

  /** A turn of `recipientID` ended: the replies of the messages it took in go back. */
  turnEnded(recipientID: string): void {
    if (!this.owed.get(recipientID)?.length) return
    this.settle(recipientID).catch((error: unknown) =>
      this.deps.notifier.error(`Could not send the reply of ${recipientID} to a team message: ${describeError(error)}`, { sessionID: recipientID }),
    )
  }

  /** After OpenCode restarted: the replies `senderID` was owed and had not had, sent now or once their turn ends. */
  async resume(senderID: string, senderMessages: readonly Stored[]): Promise<void> {
    const reported = reportedIn(senderMessages)
    for (const { record } of followUpsIn(senderMessages)) {
      const key = reportKey(record.session, record.id)
      if (!record.team || record.report === "none" || reported.has(key) || this.deps.claims.heldInProcess(key)) continue
      if (this.owed.get(record.session)?.some((reply) => reply.id === record.id)) continue
      this.owe({ id: record.id, senderID, senderAgent: record.fromAgent, recipientID: record.session, recipientAgent: record.agent, title: record.session })
    }
    for (const recipientID of new Set([...this.owed].filter(([, replies]) => replies.some((reply) => reply.senderID === senderID)).map(([id]) => id)))
      if (!this.deps.running(recipientID)) await this.settle(recipientID)
  }

  forget(sessionID: string): void {
    this.owed.delete(sessionID)
    // Over a copy: setting a key moves it to the end of the map, where a live loop would meet it again.
    for (const [recipientID, replies] of [...this.owed]) {
      const left = replies.filter((reply) => reply.senderID !== sessionID)
      if (left.length) this.owed.set(recipientID, left)
      else this.owed.delete(recipientID)
    }
  }

  private async settle(recipientID: string): Promise<void> {
    const messages = await readSession(this.deps.opencode, recipientID)
    const owed = this.owed.get(recipientID) ?? []
    if (!messages) return void this.owed.delete(recipientID)
    const outcomes = turnOutcomes(recipientID, messages, this.deps.running(recipientID))
    const left = owed.filter((reply) => {
      const read = outcomes.get(reportKey(recipientID, reply.id))
      if (!read || !isFinished(read.state)) return true
      this.send(reply, words.report.answer(read))
      return false
    })
    if (left.length) this.owed.set(recipientID, left)
    else this.owed.delete(recipientID)
  }

  private send(reply: OwedReply, answer: string): void {
    const { claims, book, bus, notifier } = this.deps
    const key = reportKey(reply.recipientID, reply.id)
    if (!claims.inProcess([key]) || !claims.claim(`report:${key}`)) return
    const from: Sender = { agent: reply.recipientAgent, sessionID: reply.recipientID, title: reply.title, key }
    const text = (this.deps.wording ?? asWritten)(answer)
    book.enqueue({ kind: "report", sessionID: reply.senderID, agent: reply.senderAgent, text, from, covers: [from], reply: true })
    notifier.info(`Reply: ${reply.recipientAgent} (${reply.title}) → ${reply.senderAgent}`)
    bus.publish(WorkQueued, { sessionID: reply.senderID })
  }
}
