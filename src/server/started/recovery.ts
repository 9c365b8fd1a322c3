import { handoffRequest, type HandoffBook } from "../../core/book.js"
import { sessionTitle } from "../../core/format.js"
import { followUpsNotStopped, pendingHandoffs, startMarkerOf, waitingStarts, type PendingHandoff, type RecordedCall } from "../../core/lineage.js"
import { reportKey } from "../../core/protocol.js"
import { messageMarker, type Stored } from "../../core/stored.js"
import type { Call } from "../../core/types.js"
import type { Delivery } from "../handoff/delivery.js"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import { shared } from "../host/process.js"
import { readSession } from "../lifecycle/from-store.js"
import type { Lifecycle } from "../lifecycle/lifecycle.js"
import type { Launcher } from "./launcher.js"
import type { Reporter } from "./reporter.js"
import type { Replies } from "../team/replies.js"
import type { Claims } from "../state/claims.js"
import type { PendingCallers } from "../state/pending.js"

export type RecoveryDeps = {
  opencode: Opencode
  book: HandoffBook
  lifecycle: Lifecycle
  delivery: Delivery
  launcher: Launcher
  reporter: Reporter
  replies: Pick<Replies, "resume">
  callers: PendingCallers
  claims: Claims
  notifier: Notifier
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
      // 1.0 runs two copies of the plugin for one project: one recovers each caller.
      const here = shared().recovering
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
    await this.deps.replies.resume(callerID, messages)
    this.deps.callers.settle(callerID)
  }

  /** Back into the session's queue, as the tool accepted it; a compact one whose summary was written already only hands over. */
  private requeue(callerID: string, handoff: PendingHandoff, messages: readonly Stored[]): void {
    const at = messages.findIndex((message) => message.info.id === handoff.messageID)
    const summarized = handoff.mode === "compact" && messages.slice(at + 1).some((message) => message.info.summary === true)
    const call = recordedCall(callerID, handoff.messageID, handoff.callID, { ...handoff, text: handoff.text })
    this.deps.book.enqueue({ ...handoffRequest(call, handoff.mode), summaryModel: handoff.summaryModel, summarized })
  }

  /** A follow-up accepted and not delivered goes to its session now, unless that session holds it already, a stop dropped it, or it is gone. */
  private async resend(callerID: string, { record, messageID, callID, input }: RecordedCall<"follow-up">): Promise<void> {
    const child = await this.read(record.session)
    const settled = child?.some((message) => {
      const marker = message.info.role === "user" ? messageMarker(message) : undefined
      return (marker?.kind === "follow-up" && marker.id === record.id) || (marker?.kind === "stop" && marker.dropped?.includes(record.id))
    })
    if (!child || settled || !this.deps.claims.claim(`follow-up:${record.id}`)) return
    const call = recordedCall(callerID, messageID, callID, { ...record, text: textOf(input) })
    const request = handoffRequest(call, "follow-up", record.session)
    const team = record.team
    const name = team ? (await this.deps.lifecycle.find(callerID))?.marker.name : undefined
    this.deps.book.enqueue({
      ...request,
      from: { ...request.from, ...(name ? { name } : {}) },
      followUp: { id: record.id, report: record.report, ...(team ? { team } : {}) },
    })
    await this.deps.lifecycle.find(record.session)
    // A team message's answer comes back as a reply (team/replies.ts), not as a turn of the recipient's life.
    if (!team)
      this.deps.lifecycle.change(record.session, {
        type: "followed-up",
        key: reportKey(record.session, record.id),
        followUp: { id: record.id, agent: record.agent, report: record.report, call: messageID },
      })
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
    const call = {
      ...recordedCall(callerID, start.messageID, start.callID, { ...record, text: textOf(start.input) }),
      depth: (await this.deps.lifecycle.depthOf(callerID)) + 1,
      ...(record.name ? { name: record.name } : {}),
      ...(record.after ? { after: record.after } : {}),
    }
    await this.deps.launcher.launch(call, record.mode, { id: record.session, title: sessionTitle(record.mode, record.agent, call.text, record.name) })
  }

  /** A session's messages, or undefined once it is deleted. */
  private read(sessionID: string): Promise<Stored[] | undefined> {
    return readSession(this.deps.opencode, sessionID)
  }
}

/** The text a call was made with, as its stored input holds it. */
function textOf(input: Record<string, unknown> | undefined): string {
  return typeof input?.text === "string" ? input.text.trim() : ""
}

/** A call the caller's tool accepted before OpenCode stopped, as its record and input tell it: queued again the way the tool queued it. */
function recordedCall(
  callerID: string,
  messageID: string,
  callID: string,
  record: { fromAgent: string; agent: string; text: string; model?: Call["model"]; report?: Call["report"] },
): Call {
  return {
    sessionID: callerID,
    messageID,
    callerAgent: record.fromAgent,
    agent: record.agent,
    text: record.text,
    model: record.model,
    report: record.report ?? "none",
    callID,
  }
}
