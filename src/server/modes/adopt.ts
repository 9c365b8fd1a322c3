import type { ToolContext } from "@opencode-ai/plugin"
import type { Isolation, Stored } from "../../core/lineage.js"
import { fileList } from "../isolation/describe.js"
import { refs } from "../isolation/layout.js"
import { SessionToolError } from "../errors.js"
import type { Services } from "../services.js"

/** The isolated session a caller named, once it is sure the caller may adopt or discard it now. */
async function isolatedSession(services: Services, context: ToolContext, mode: "adopt" | "discard", named: string | undefined): Promise<{ sessionID: string; agent: string; isolation: Isolation }> {
  const { opencode, lineage, book, launcher } = services
  const messages = (await opencode.messages(context.sessionID)) as unknown as Stored[]
  const started = lineage.childrenOf(context.sessionID, messages)
  const isolated: string[] = []
  for (const id of started) if ((await lineage.markerOf(id))?.isolation) isolated.push(id)
  const valid = isolated.length ? `Isolated sessions you started: ${isolated.join(", ")}` : "You started no isolated session (new or fork with isolation \"worktree\")"
  const sessionID = named?.trim()
  if (!sessionID) throw new SessionToolError(`session: mode ${mode} needs \`session\`: the id of an isolated session you started. ${valid}.`)
  if (!started.includes(sessionID)) throw new SessionToolError(`session: ${mode}: ${sessionID} is not a session you started. ${valid}.`)
  const marker = await lineage.markerOf(sessionID)
  if (!marker?.isolation) throw new SessionToolError(`session: ${mode}: ${sessionID} works in your directory (it was started without isolation): there is nothing to ${mode}. ${valid}.`)
  if (book.isBusy(sessionID) || launcher.isRunning(sessionID) || launcher.waitingFor(context.sessionID).includes(sessionID)) {
    throw new SessionToolError(`session: ${mode}: ${sessionID} has not finished its work; wait for it (mode wait) first.`)
  }
  await services.permissions.check(context, { mode, agent: marker.agent, text: sessionID })
  return { sessionID, agent: marker.agent, isolation: marker.isolation }
}

/** Brings an isolated session's work into the caller's directory, all or nothing, and removes its worktree. */
export async function adopt(services: Services, context: ToolContext, named: string | undefined): Promise<string> {
  const { sessionID, isolation } = await isolatedSession(services, context, "adopt", named)
  const { files, leftover } = await services.worktrees.adopt(sessionID, isolation)
  services.notifier.info(`Adopted ${sessionID}: ${files.length} file${files.length === 1 ? "" : "s"}`)
  const what = files.length ? `Adopted ${sessionID}: ${files.length} file${files.length === 1 ? "" : "s"} changed in your directory (${fileList(files)}).` : `Adopted ${sessionID}: it changed nothing.`
  if (leftover) services.notifier.warn(`Adopted ${sessionID}, but ${leftover}.`, { sessionID })
  const removed = leftover ? `Note: ${leftover}.` : "Its worktree is removed."
  return `${what} ${removed} Its work is kept in ${isolation.root} under ${refs.adopted(sessionID)}.`
}

/** Removes an isolated session's worktree; its work stays recoverable under a ref. */
export async function discard(services: Services, context: ToolContext, named: string | undefined): Promise<string> {
  const { sessionID, isolation } = await isolatedSession(services, context, "discard", named)
  const { files, kept } = await services.worktrees.discard(sessionID, isolation)
  services.notifier.info(`Discarded ${sessionID}'s worktree`)
  if (!kept) return `Discarded ${sessionID}: its worktree is removed; it had changed nothing.`
  return (
    `Discarded ${sessionID}: its worktree is removed. Its work (${fileList(files)}) is kept in ${isolation.root} under ${kept}: ` +
    `\`git diff ${isolation.base.slice(0, 12)} ${kept}\` shows it, \`git worktree add <folder> ${kept}\` brings it back.`
  )
}
