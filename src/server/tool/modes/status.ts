import { reportedIn } from "../../../core/lineage.js"
import type { Stored } from "../../../core/protocol.js"
import { worktreeState } from "../../isolation/describe.js"
import type { StartedView } from "../../started/lineage-store.js"
import type { Services } from "../../services.js"
import { words, type StatusRow } from "../words/index.js"

/**
 * What became of every session this one started (read back from OpenCode's store, so it holds
 * across restarts), and what is still queued here. Read-only.
 */
export async function status(
  { opencode, book, lineage, places, worktrees }: Pick<Services, "opencode" | "book" | "lineage" | "places" | "worktrees">,
  sessionID: string,
): Promise<string> {
  const messages = (await opencode.messages(sessionID)) as unknown as Stored[]
  const views = await lineage.view(sessionID, messages, (id) => book.isBusy(id))
  const reported = reportedIn(messages)
  const pending = book.pending(sessionID)
  const queuedReports = new Set(pending.flatMap((handoff) => (handoff.covers ?? []).map((sender) => sender.sessionID)))
  const waiting = new Set(places.waitingFor(sessionID))
  const rows: StatusRow[] = []
  for (const view of views) {
    const reportState = view.report === "none" ? undefined : reported.has(view.sessionID) ? "reported" : queuedReports.has(view.sessionID) ? "queued" : "due"
    rows.push({
      ...view,
      state: stateOf(view, waiting),
      reportState,
      latest: latest(view),
      worktree: await worktreeState(worktrees, view.sessionID, view.isolation),
    })
  }
  return words.result.status(rows, pending)
}

function stateOf(view: StartedView, waiting: ReadonlySet<string>): string {
  if (!view.outcome) return "deleted"
  if (waiting.has(view.sessionID)) return "waiting to start"
  if (view.outcome.state === "waiting") return "not started (OpenCode stopped before its turn: send it a message to run it)"
  if (view.outcome.state === "stopped") return "stopped mid-turn (resume it to finish)"
  return view.outcome.state
}

function latest({ outcome }: StartedView): string | undefined {
  if (outcome?.state === "idle" && outcome.answer) return outcome.answer
  if (outcome?.state === "failed") return outcome.error
  return undefined
}
