import { handoffRequest } from "../../../core/book.js"
import { excerpt } from "../../../core/format.js"
import { PROTOCOL, reportKey } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import { words } from "../../words/index.js"
import type { Lifecycle } from "../../lifecycle/lifecycle.js"
import type { MessageTarget } from "./targets.js"
import type { Done, ToolServices } from "./services.js"

/** A sender's name, when it has one: the recipient of its message can name it back. */
function senderName(lifecycle: Pick<Lifecycle, "life">, sessionID: string): { name?: string } {
  const name = lifecycle.life(sessionID)?.marker.name
  return name ? { name } : {}
}

/** A fresh id for a follow-up: in its call's record and on its delivered message's marker. */
function followUpID(): string {
  return `fu${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}

/**
 * Sends `text` to a session this caller started, or (a team message) to its own caller or a
 * session the same caller started: at once if it is idle; into its running turn if it is busy
 * (it joins as that turn's answer text ends, as a hand-off joins the caller's own turn; or,
 * without one, once the turn ends). Its answer comes back as `report` says: a started session's
 * as its turns' do (reporter.ts), a teammate's as a reply (team/replies.ts).
 */
export async function followUp(
  { book, lifecycle, delivery, turns, notifier, replies }: Pick<ToolServices, "book" | "lifecycle" | "delivery" | "turns" | "notifier" | "replies">,
  call: Call,
  target: MessageTarget,
): Promise<Done> {
  const id = followUpID()
  const team = target.team
  const from = { ...handoffRequest(call, "follow-up", target.sessionID).from, ...senderName(lifecycle, call.sessionID) }
  book.enqueue({ ...handoffRequest(call, "follow-up", target.sessionID), from, followUp: { id, report: call.report, ...(team ? { team } : {}) } })
  if (!team)
    lifecycle.change(target.sessionID, {
      type: "followed-up",
      key: reportKey(target.sessionID, id),
      followUp: { id, agent: call.agent, report: call.report, call: call.messageID },
    })
  else if (call.report !== "none") {
    const title = target.name ?? target.title
    replies.owe({ id, senderID: call.sessionID, senderAgent: call.callerAgent, recipientID: target.sessionID, recipientAgent: call.agent, title })
  }
  const busy = lifecycle.isRunning(target.sessionID)
  // An idle session takes it now, and the call returns once that turn's model request is on its
  // way: the caller's next step runs on the same OpenCode thread and would delay it. A busy
  // session takes it as its turn goes on (joiner.ts), or once it ends.
  if (!busy) {
    const underway = turns.nextRequest(target.sessionID)
    delivery.kick(target.sessionID)
    await underway
  }
  // After the send: a toast is a request OpenCode serves on the same thread.
  notifier.info(`${call.callerAgent} → ${call.agent} in ${target.title}: ${excerpt(call.text, 50)}`)
  return {
    text: team
      ? words.result.teamMessage({ ...target, agent: call.agent }, team, call.report, busy)
      : words.result.followUp({ ...target, agent: call.agent, report: call.report }, busy),
    record: {
      kind: "follow-up",
      v: PROTOCOL,
      fromAgent: call.callerAgent,
      session: target.sessionID,
      agent: call.agent,
      report: call.report,
      id,
      model: call.model,
      ...(team ? { team } : {}),
    },
  }
}
