import type { ToolContext } from "@opencode-ai/plugin"
import { handoffRequest } from "../../../core/book.js"
import { excerpt } from "../../../core/format.js"
import { PROTOCOL, reportKey } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import { SessionToolError } from "../../host/errors.js"
import { words } from "../../words/index.js"
import type { Done, ToolServices } from "./services.js"

/** The session a follow-up goes to: one this caller started. */
export type FollowUpTarget = { sessionID: string; agent: string; title: string }

/** A fresh id for a follow-up: in its call's record and on its delivered message's marker. */
function followUpID(): string {
  return `fu${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}

/**
 * The target from memory, when this copy of the plugin holds its life: no read, no wait. A
 * follow-up is sent from a running turn, and OpenCode's thread is busy with that turn's step.
 */
export function knownFollowUpTarget(
  { lifecycle }: Pick<ToolServices, "lifecycle">,
  context: Pick<ToolContext, "sessionID">,
  named: string,
): FollowUpTarget | undefined {
  const marker = lifecycle.life(named)?.marker
  return marker?.fromSession === context.sessionID ? { sessionID: named, agent: marker.agent, title: marker.title } : undefined
}

/** The target as the store tells it (after a restart, or from another copy of the plugin), or a refusal naming the sessions the caller started. */
export async function followUpTarget(
  { opencode, lifecycle }: Pick<ToolServices, "opencode" | "lifecycle">,
  context: Pick<ToolContext, "sessionID">,
  named: string,
): Promise<FollowUpTarget> {
  const lives = await lifecycle.livesOf(context.sessionID, await opencode.messages(context.sessionID))
  const marker = lives.find((life) => life.sessionID === named)?.marker
  if (!marker)
    throw new SessionToolError(
      words.refusal.followUpNotStarted(
        named,
        lives.map((life) => life.sessionID),
      ),
    )
  return { sessionID: named, agent: marker.agent, title: marker.title }
}

/**
 * Sends `text` to a session this caller started: at once if it is idle; into its running turn if
 * it is busy (it joins as that turn's answer text ends, as a hand-off joins the caller's own
 * turn; or, without one, once the turn ends). Its answer comes back as `report` says.
 */
export async function followUp(
  { book, lifecycle, delivery, turns, notifier }: Pick<ToolServices, "book" | "lifecycle" | "delivery" | "turns" | "notifier">,
  call: Call,
  target: FollowUpTarget,
): Promise<Done> {
  const id = followUpID()
  book.enqueue({ ...handoffRequest(call, "follow-up", target.sessionID), followUp: { id, report: call.report } })
  lifecycle.change(target.sessionID, {
    type: "followed-up",
    key: reportKey(target.sessionID, id),
    followUp: { id, agent: call.agent, report: call.report, call: call.messageID },
  })
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
    text: words.result.followUp({ ...target, agent: call.agent, report: call.report }, busy),
    record: {
      kind: "follow-up",
      v: PROTOCOL,
      fromAgent: call.callerAgent,
      session: target.sessionID,
      agent: call.agent,
      report: call.report,
      id,
      model: call.model,
    },
  }
}
