import type { ToolContext } from "@opencode-ai/plugin"
import type { Isolation, Stored } from "../../../core/protocol.js"
import { refs } from "../../isolation/layout.js"
import { SessionToolError } from "../../errors.js"
import type { Services } from "../../services.js"
import { words } from "../words/index.js"

/** The isolated session a caller named, once it is sure the caller may adopt or discard it now. */
type AdoptServices = Pick<Services, "opencode" | "lineage" | "book" | "places" | "permissions" | "worktrees" | "notifier">

async function isolatedSession(
  services: AdoptServices,
  context: ToolContext,
  mode: "adopt" | "discard",
  named: string | undefined,
): Promise<{ sessionID: string; agent: string; isolation: Isolation }> {
  const { opencode, lineage, book, places } = services
  const messages = (await opencode.messages(context.sessionID)) as unknown as Stored[]
  const started = lineage.childrenOf(context.sessionID, messages)
  const isolated: string[] = []
  for (const id of started) if ((await lineage.markerOf(id))?.isolation) isolated.push(id)
  const valid = words.refusal.isolatedValid(isolated)
  const sessionID = named?.trim()
  if (!sessionID) throw new SessionToolError(words.refusal.needsSession(mode, valid))
  if (!started.includes(sessionID)) throw new SessionToolError(words.refusal.notStartedHere(mode, sessionID, valid))
  const marker = await lineage.markerOf(sessionID)
  if (!marker?.isolation) throw new SessionToolError(words.refusal.notIsolated(mode, sessionID, valid))
  if (book.isBusy(sessionID) || places.isRunning(sessionID) || places.waitingFor(context.sessionID).includes(sessionID)) {
    throw new SessionToolError(words.refusal.notFinished(mode, sessionID))
  }
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
