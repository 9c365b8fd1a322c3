/**
 * Who a `session` argument names, seen from the session that calls: a session it started (by id
 * or name), its caller ("caller", or the caller's id), or a sibling (a session the same caller
 * started, by id or name). From memory when this copy holds the lives; else read back.
 */
import { sessionLabel } from "../../../core/format.js"
import { goesBy, type Life } from "../../../core/life.js"
import type { TeamRelation } from "../../../core/protocol.js"
import { SessionToolError } from "../../host/errors.js"
import type { ToolServices } from "./services.js"
import { words } from "../../words/index.js"

/** Where a message with `session` goes: a session the sender started (a follow-up), or a teammate (`team`). */
export type MessageTarget = { sessionID: string; agent: string; title: string; name?: string; team?: TeamRelation }

export const CALLER = "caller"

type TeamServices = Pick<ToolServices, "opencode" | "lifecycle" | "names">

function childTarget(life: Life): MessageTarget {
  return { sessionID: life.sessionID, agent: life.marker.agent, title: life.marker.title, ...(life.marker.name ? { name: life.marker.name } : {}) }
}

function callerTarget(me: Life): MessageTarget {
  return { sessionID: me.marker.fromSession, agent: me.marker.fromAgent, title: "the session that started you", team: "caller" }
}

/** The target from memory alone, when this copy holds the lives concerned: no read, no wait (a message is sent from a running turn). */
export function knownTarget({ lifecycle }: Pick<ToolServices, "lifecycle">, senderID: string, nameOrID: string): MessageTarget | undefined {
  const child = lifecycle.heldChildren(senderID).find(goesBy(nameOrID))
  if (child) return childTarget(child)
  const me = lifecycle.life(senderID)
  if (!me) return undefined
  if (nameOrID === CALLER || nameOrID === me.marker.fromSession) return callerTarget(me)
  const sibling = lifecycle.heldChildren(me.marker.fromSession).find(goesBy(nameOrID))
  return sibling && sibling.sessionID !== senderID ? { ...childTarget(sibling), team: "sibling" } : undefined
}

/** The sessions `callerID` started, read back where this copy does not hold them. */
async function livesOf({ opencode, lifecycle }: TeamServices, callerID: string): Promise<Life[]> {
  return lifecycle.livesOf(callerID, await opencode.messages(callerID))
}

/** The target as the store tells it (after a restart, or from another copy), or a refusal naming every session the sender may reach. */
export async function messageTarget(services: TeamServices, senderID: string, nameOrID: string): Promise<MessageTarget> {
  const { lifecycle, names } = services
  const mine = await livesOf(services, senderID)
  const childID = await names.idOf(senderID, nameOrID, mine)
  const child = childID && (lifecycle.life(childID) ?? mine.find((life) => life.sessionID === childID))
  if (child) return childTarget(child)
  const me = await lifecycle.find(senderID)
  if (me && (nameOrID === CALLER || nameOrID === me.marker.fromSession)) return callerTarget(me)
  const siblings = me ? (await livesOf(services, me.marker.fromSession)).filter((life) => life.sessionID !== senderID) : []
  const sibling = siblings.find(goesBy(nameOrID))
  if (sibling) return { ...childTarget(sibling), team: "sibling" }
  throw new SessionToolError(words.refusal.messageNobody(nameOrID, mine.map(labelOf), me ? me.marker.fromSession : undefined, siblings.map(labelOf)))
}

/** The id of a session `callerID` started that `nameOrID` names (its name or id); as given when it names none (the mode refuses it then). */
export async function childID(services: TeamServices, callerID: string, nameOrID: string): Promise<string> {
  const held = services.lifecycle.heldChildren(callerID).find(goesBy(nameOrID))
  if (held) return held.sessionID
  if (nameOrID.startsWith("ses")) return nameOrID
  return (await services.names.idOf(callerID, nameOrID, await livesOf(services, callerID))) ?? nameOrID
}

/** How a session is named to a model: `name (id)`, or its id. */
export function labelOf(life: Life): string {
  return sessionLabel(life.sessionID, life.marker.name)
}
