import type { ToolContext } from "@opencode-ai/plugin"
import { excerpt } from "../../../core/format.js"
import { PROTOCOL, type Stored } from "../../../core/protocol.js"
import type { Call } from "../../../core/types.js"
import { SessionToolError } from "../../errors.js"
import { followUpID } from "../../started/follow-ups.js"
import type { Services } from "../../services.js"
import type { Done } from "../done.js"
import { handoffRequest } from "../handoff-request.js"
import { words } from "../words/index.js"

/** The session a follow-up goes to: one this caller started. */
export type FollowUpTarget = { sessionID: string; agent: string; title: string }

/**
 * The target from memory, when this copy of the plugin saw the caller start it: no read, no wait.
 * A follow-up is sent from a running turn, and OpenCode's thread is busy with that turn's step.
 */
export function knownFollowUpTarget(
  { lineage }: Pick<Services, "lineage">,
  context: Pick<ToolContext, "sessionID">,
  named: string,
): FollowUpTarget | undefined {
  const known = lineage.known(named)
  return known?.fromSession === context.sessionID ? { sessionID: named, agent: known.agent, title: known.title } : undefined
}

/** The target as the store tells it (after a restart, or from another copy of the plugin), or a refusal naming the sessions the caller started. */
export async function followUpTarget(
  { opencode, lineage }: Pick<Services, "opencode" | "lineage">,
  context: Pick<ToolContext, "sessionID">,
  named: string,
): Promise<FollowUpTarget> {
  const messages = (await opencode.messages(context.sessionID)) as unknown as Stored[]
  const started = lineage.childrenOf(context.sessionID, messages)
  const marker = started.includes(named) ? await lineage.markerOf(named) : undefined
  if (!marker) throw new SessionToolError(words.refusal.followUpNotStarted(named, started))
  return { sessionID: named, agent: marker.agent, title: marker.title }
}

/**
 * Sends `text` to a session this caller started: at once if it is idle; into its running turn if
 * it is busy (it joins as that turn's answer text ends, as a hand-off joins the caller's own
 * turn; or, without one, once the turn ends). Its answer comes back as `report` says.
 */
export async function followUp(
  { book, followUps, delivery, places, turns, notifier }: Pick<Services, "book" | "followUps" | "delivery" | "places" | "turns" | "notifier">,
  call: Call,
  target: FollowUpTarget,
): Promise<Done> {
  const id = followUpID()
  book.enqueue({ ...handoffRequest(call, "follow-up", target.sessionID), followUp: { id, report: call.report } })
  followUps.accept({ id, sessionID: target.sessionID, callerID: call.sessionID, agent: call.agent, report: call.report, call: call.messageID })
  const busy = book.isBusy(target.sessionID) || places.isRunning(target.sessionID)
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
