import type { Session } from "@opencode-ai/sdk"
import type { HandoffBook } from "../../core/book.js"
import { sessionTitle } from "../../core/format.js"
import { followUpsNotStopped, pendingHandoffs, startMarkerOf, waitingStarts, type PendingHandoff, type RecordedCall } from "../../core/lineage.js"
import { messageMarker, type Stored } from "../../core/protocol.js"
import type { Delivery } from "../handoff/delivery.js"
import { describeError, OpencodeCallError } from "../errors.js"
import type { Launcher } from "../started/launcher.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import type { Reporter } from "../started/reporter.js"
import type { FollowUps } from "../started/follow-ups.js"
import type { FileClaims } from "./claims.js"
import type { PendingCallers } from "./pending.js"

/** Callers some copy of the plugin in this process is recovering: 1.0 runs two copies for one project. */
const RECOVERING = Symbol.for("opencode-sessions.recovering")

function recoveringHere(): Set<string> {
  const shared = globalThis as { [RECOVERING]?: Set<string> }
  shared[RECOVERING] ??= new Set()
  return shared[RECOVERING]
}

export type RecoveryDeps = {
  opencode: Opencode
  book: HandoffBook
  delivery: Delivery
  launcher: Launcher
  reporter: Reporter
  followUps: FollowUps
  callers: PendingCallers
  claims: FileClaims
  notifier: Notifier
  /** Clears a caller's entry once nothing is owed to it (see PendingWork). */
  settle: (callerID: string) => void
}

/**
 * What the plugin accepted before OpenCode stopped, and had not done, is done once OpenCode is
 * back: for each session owed work (state/pending.ts), read from the store what is owed (core/
 * lineage.ts) — hand-offs accepted and not delivered are delivered, in order; so are follow-ups;
 * starts that waited for a place start, in call order; reports due are sent. Each under a claim, so that of several
 * processes on the same data only one does it. What cannot be done is said to the person.
 */
export class Recovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async run(): Promise<void> {
    const { callers, claims, notifier } = this.deps
    claims.tidy()
    for (const callerID of callers.takeOver()) {
      const here = recoveringHere()
      if (here.has(callerID)) continue
      here.add(callerID)
      try {
        await this.recover(callerID)
      } catch (error) {
        notifier.error(`Could not resume what was owed to session ${callerID} when OpenCode stopped: ${describeError(error)}`, { sessionID: callerID })
      } finally {
        here.delete(callerID)
      }
    }
  }

  private async recover(callerID: string): Promise<void> {
    const messages = await this.read(callerID)
    if (!messages) {
      this.deps.callers.clear(callerID)
      return
    }
    const handoffs = pendingHandoffs(messages).filter((handoff) => this.deps.claims.claim(`handoff:${handoff.callID}`))
    for (const handoff of handoffs) this.requeue(callerID, handoff, messages)
    if (handoffs.length) {
      this.deps.notifier.info(`Resuming after OpenCode restarted: ${handoffs.length} hand-off${handoffs.length > 1 ? "s" : ""} in ${callerID}`)
      this.deps.delivery.kick(callerID)
    }
    for (const followUp of followUpsNotStopped(messages)) await this.resend(callerID, followUp)
    for (const start of waitingStarts(messages)) await this.restart(callerID, start)
    this.deps.reporter.resume(callerID)
    this.deps.settle(callerID)
  }

  /** Back into the session's queue, as the tool accepted it; a compact one whose summary was written already only hands over. */
  private requeue(callerID: string, handoff: PendingHandoff, messages: readonly Stored[]): void {
    const at = messages.findIndex((message) => message.info.id === handoff.messageID)
    const summarized = handoff.mode === "compact" && messages.slice(at + 1).some((message) => (message.info as { summary?: boolean }).summary === true)
    this.deps.book.enqueue({
      kind: handoff.mode,
      sessionID: callerID,
      agent: handoff.agent,
      text: handoff.text,
      model: handoff.model,
      summaryModel: handoff.summaryModel,
      from: { agent: handoff.fromAgent, sessionID: callerID },
      call: handoff.messageID,
      callID: handoff.callID,
      summarized,
    })
  }

  /** A follow-up accepted and not delivered goes to its session now, unless that session holds it already, a stop dropped it, or it is gone. */
  private async resend(callerID: string, { record, messageID, callID, input }: RecordedCall<"follow-up">): Promise<void> {
    const child = await this.read(record.session)
    const settled = child?.some((message) => {
      const marker = message.info.role === "user" ? messageMarker(message) : undefined
      return (marker?.kind === "follow-up" && marker.id === record.id) || (marker?.kind === "stop" && marker.dropped?.includes(record.id))
    })
    if (!child || settled || !this.deps.claims.claim(`follow-up:${record.id}`)) return
    const text = typeof input?.text === "string" ? input.text.trim() : ""
    this.deps.book.enqueue({
      kind: "follow-up",
      sessionID: record.session,
      agent: record.agent,
      text,
      model: record.model,
      from: { agent: record.fromAgent, sessionID: callerID },
      call: messageID,
      callID,
      followUp: { id: record.id, report: record.report },
    })
    this.deps.followUps.accept({ id: record.id, sessionID: record.session, callerID, agent: record.agent, report: record.report, call: messageID })
    this.deps.notifier.info(`Resuming after OpenCode restarted: a follow-up to ${record.session}`)
    this.deps.delivery.kick(record.session)
  }

  /** A session that waited for a place when OpenCode stopped starts now, unless it already began or is gone. */
  private async restart(callerID: string, start: RecordedCall<"started">): Promise<void> {
    const { record } = start
    const child = await this.read(record.session)
    if (!child) {
      this.deps.notifier.warn(`Session ${record.session} was waiting to start when OpenCode stopped, and has been deleted since: it will not start.`, {
        sessionID: callerID,
      })
      return
    }
    const own = startMarkerOf(child)
    if (own?.fromSession === callerID && own.call === start.messageID) return
    if (!this.deps.claims.claim(`start:${record.session}`)) return
    if (record.isolated) {
      this.deps.notifier.warn(
        `Session ${record.session} was waiting to start in a worktree of its own when OpenCode stopped; what you saw then was not kept, so it does not start by itself. Send it a message to run it in your folder, or start it again.`,
        { sessionID: callerID },
      )
      return
    }
    const text = typeof start.input?.text === "string" ? start.input.text.trim() : ""
    const title = sessionTitle(record.mode, record.agent, text)
    const call = {
      sessionID: callerID,
      messageID: start.messageID,
      callerAgent: record.fromAgent,
      agent: record.agent,
      text,
      model: record.model,
      report: record.report,
      callID: start.callID,
    }
    await this.deps.launcher.launch(call, record.mode, { id: record.session, title } as Session)
  }

  /** A session's messages, or undefined once it is deleted. */
  private async read(sessionID: string): Promise<Stored[] | undefined> {
    try {
      return (await this.deps.opencode.messages(sessionID)) as unknown as Stored[]
    } catch (error) {
      if (error instanceof OpencodeCallError && error.status === 404) return undefined
      throw error
    }
  }
}
