import type { ToolContext } from "@opencode-ai/plugin"
import { PROTOCOL } from "../../../core/protocol.js"
import { SessionToolError } from "../../host/errors.js"
import type { StopResult } from "../../started/stopper.js"
import { words, type StoppedRow } from "../../words/index.js"
import { labelOf } from "./targets.js"
import type { Done, ToolServices } from "./services.js"

/**
 * Stops the running turn of the session named (one this caller started), or of every session it
 * started that runs or waits to start. What they did so far stays: their messages, their files,
 * an isolated one's worktree.
 */
export async function stop(
  { opencode, lifecycle, stopper, permissions, notifier }: Pick<ToolServices, "opencode" | "lifecycle" | "stopper" | "permissions" | "notifier">,
  context: ToolContext,
  named: string | undefined,
): Promise<Done> {
  const callerID = context.sessionID
  const lives = await lifecycle.livesOf(callerID, await opencode.messages(callerID))
  const started = lives.map((life) => life.sessionID)
  const sessionID = named?.trim() || undefined
  if (sessionID === callerID) throw new SessionToolError(words.refusal.stopSelf)
  if (sessionID && !started.includes(sessionID))
    throw new SessionToolError(words.refusal.notStartedHere("stop", sessionID, words.refusal.startedValid(lives.map(labelOf))))
  const targets = sessionID ? [sessionID] : await stopper.active(started)
  if (targets.length === 0) return { text: words.result.nothingToStop(started.length) }
  const markers = new Map(lives.map((life) => [life.sessionID, life.marker]))
  for (const agent of new Set([...markers.values()].map((marker) => marker?.agent ?? "?"))) {
    await permissions.check(context, { mode: "stop", agent, text: targets.join(", ") })
  }
  const results = await stopper.stop(callerID, targets, { by: "caller" })
  const rows: StoppedRow[] = results.map((result: StopResult) => {
    const marker = markers.get(result.sessionID)
    return { ...result, title: marker?.title ?? result.sessionID, agent: marker?.agent ?? "?", ...(marker?.name ? { name: marker.name } : {}) }
  })
  const stopped = rows.filter((row) => row.was !== "finished")
  if (stopped.length) notifier.info(`${context.agent} stopped ${stopped.map((row) => row.title).join(", ")}`)
  return { text: words.result.stopped(rows), record: { kind: "stopped", v: PROTOCOL, sessions: stopped.map((row) => row.sessionID) } }
}
