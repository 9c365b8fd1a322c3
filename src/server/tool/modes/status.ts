import { reportedIn } from "../../../core/lineage.js"
import { reportKey, type Stored } from "../../../core/protocol.js"
import { worktreeState } from "../../isolation/describe.js"
import { mapLimited, READ_CONCURRENCY, type StartedView } from "../../started/lineage-store.js"
import type { Services } from "../../services.js"
import { words, type StatusRow } from "../words/index.js"

/**
 * What became of every session this one started (read back from OpenCode's store, so it holds
 * across restarts), and what is still queued here. Read-only.
 */
export async function status(
  { opencode, book, lineage, places, worktrees, followUps }: Pick<Services, "opencode" | "book" | "lineage" | "places" | "worktrees" | "followUps">,
  sessionID: string,
): Promise<string> {
  const messages = (await opencode.messages(sessionID)) as unknown as Stored[]
  const views = await lineage.view(sessionID, messages, (id) => book.isBusy(id))
  const reported = reportedIn(messages)
  const pending = book.pending(sessionID)
  const queuedReports = new Set(pending.flatMap((handoff) => (handoff.covers ?? []).map((sender) => sender.key ?? sender.sessionID)))
  const waiting = new Set(places.waitingFor(sessionID))
  const sent = followUps.ofCaller(sessionID, messages)
  const rows = await mapLimited(views, READ_CONCURRENCY, async (view): Promise<StatusRow> => {
    const its = sent.filter((followUp) => followUp.sessionID === view.sessionID)
    // Each answer it owes (its first turn's, each follow-up's) is sent, queued or due; the row says where the last of them stands.
    const keys = [...(view.report === "none" ? [] : [view.sessionID]), ...its.filter((f) => f.report !== "none").map((f) => reportKey(view.sessionID, f.id))]
    const reportState =
      keys.length === 0 ? undefined : keys.every((key) => reported.has(key)) ? "reported" : keys.some((key) => queuedReports.has(key)) ? "queued" : "due"
    return {
      ...view,
      waitingHere: waiting.has(view.sessionID),
      reportState,
      latest: latest(view),
      worktree: await worktreeState(worktrees, view.sessionID, view.isolation),
      spent: view.outcome ? await lineage.spent(view.sessionID) : undefined,
      followUps: its.length,
    }
  })
  return words.result.status(rows, pending)
}

function latest({ outcome }: StartedView): string | undefined {
  if (outcome?.state === "idle" && outcome.answer) return outcome.answer
  if (outcome?.state === "failed") return outcome.error
  return undefined
}
