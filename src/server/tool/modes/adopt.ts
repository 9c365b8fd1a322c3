import type { ToolContext } from "@opencode-ai/plugin"
import type { Isolation } from "../../../core/protocol.js"
import { SessionToolError } from "../../host/errors.js"
import { refs } from "../../isolation/layout.js"
import { words } from "../../words/index.js"
import { labelOf } from "./targets.js"
import type { ToolServices } from "./services.js"

/** The isolated session a caller named, once it is sure the caller may adopt or discard it now. */
type AdoptServices = Pick<ToolServices, "opencode" | "lifecycle" | "permissions" | "worktrees" | "notifier">

async function isolatedSession(
  services: AdoptServices,
  context: ToolContext,
  mode: "adopt" | "discard",
  named: string | undefined,
): Promise<{ sessionID: string; agent: string; isolation: Isolation }> {
  const { opencode, lifecycle } = services
  const lives = await lifecycle.livesOf(context.sessionID, await opencode.messages(context.sessionID))
  const valid = words.refusal.isolatedValid(lives.filter((life) => life.marker.isolation).map(labelOf))
  const sessionID = named?.trim()
  if (!sessionID) throw new SessionToolError(words.refusal.needsSession(mode, valid))
  const life = lives.find((one) => one.sessionID === sessionID)
  if (!life) throw new SessionToolError(words.refusal.notStartedHere(mode, sessionID, valid))
  const marker = life.marker
  if (!marker.isolation) throw new SessionToolError(words.refusal.notIsolated(mode, sessionID, valid))
  if (lifecycle.isRunning(sessionID) || life.state.state === "waiting") throw new SessionToolError(words.refusal.notFinished(mode, sessionID))
  await services.permissions.check(context, { mode, agent: marker.agent, text: sessionID })
  return { sessionID, agent: marker.agent, isolation: marker.isolation }
}

/** Brings an isolated session's work into the caller's directory, all or nothing, and removes its worktree. */
export async function adopt(services: AdoptServices, context: ToolContext, named: string | undefined): Promise<string> {
  const { sessionID, isolation } = await isolatedSession(services, context, "adopt", named)
  const { files, leftover } = await services.worktrees.adopt(sessionID, isolation)
  services.notifier.info(`Adopted ${sessionID}: ${files.length} file${files.length === 1 ? "" : "s"}`)
  if (leftover) services.notifier.warn(`Adopted ${sessionID}, but ${leftover}.`, { sessionID })
  return words.result.adopted(sessionID, files, leftover, isolation.root, refs.adopted(sessionID))
}

/** Removes an isolated session's worktree; its work stays recoverable under a ref. */
export async function discard(services: AdoptServices, context: ToolContext, named: string | undefined): Promise<string> {
  const { sessionID, isolation } = await isolatedSession(services, context, "discard", named)
  const { files, kept } = await services.worktrees.discard(sessionID, isolation)
  services.notifier.info(`Discarded ${sessionID}'s worktree`)
  return words.result.discarded(sessionID, files, kept, isolation.root, isolation.base)
}
