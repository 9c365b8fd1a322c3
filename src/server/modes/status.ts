import { excerpt } from "../../core/format.js"
import { reportedIn, type Outcome, type Stored } from "../../core/lineage.js"
import type { StartedView } from "../lineage-store.js"
import type { Services } from "../services.js"
import { worktreeLine } from "../isolation/describe.js"

/**
 * What became of every session this one started (read back from OpenCode's store, so it holds
 * across restarts), and what is still queued here. Read-only.
 */
export async function status({ opencode, book, lineage, launcher, worktrees }: Services, sessionID: string): Promise<string> {
  const messages = (await opencode.messages(sessionID)) as unknown as Stored[]
  const views = await lineage.view(sessionID, messages, (id) => book.isBusy(id))
  const reported = reportedIn(messages)
  const pending = book.pending(sessionID)
  const queuedReports = new Set(pending.flatMap((handoff) => (handoff.covers ?? []).map((sender) => sender.sessionID)))
  const waiting = new Set(launcher.waitingFor(sessionID))

  const lines: string[] = []
  lines.push(views.length ? `Sessions you started (${views.length}):` : "Sessions you started: none.")
  for (const view of views) {
    const report = view.report === "none" ? "" : reported.has(view.sessionID) ? ", reported" : queuedReports.has(view.sessionID) ? ", report queued" : ", report due"
    lines.push(`- ${view.sessionID} "${view.title}" ${view.mode}, agent ${view.agent}, ${stateOf(view, waiting)}${report}${latest(view.outcome)}`)
    const worktree = await worktreeLine(worktrees, view.sessionID, view.isolation)
    if (worktree) lines.push(`  ${worktree}`)
  }
  lines.push(pending.length ? `Queued here (${pending.length}):` : "Queued here: none.")
  for (const handoff of pending) lines.push(`- ${handoff.kind} → ${handoff.agent}: ${excerpt(handoff.text, 60)}`)
  if (views.length) lines.push("The person can open these from the session list (/sessions).")
  return lines.join("\n")
}

function stateOf(view: StartedView, waiting: ReadonlySet<string>): string {
  if (!view.outcome) return "deleted"
  if (waiting.has(view.sessionID)) return "waiting to start"
  if (view.outcome.state === "waiting") return "not started (OpenCode stopped before its turn: send it a message to run it)"
  if (view.outcome.state === "stopped") return "stopped mid-turn (resume it to finish)"
  return view.outcome.state
}

function latest(outcome: Outcome | undefined): string {
  if (outcome?.state === "idle" && outcome.answer) return `: ${excerpt(outcome.answer, 120)}`
  if (outcome?.state === "failed") return `: ${excerpt(outcome.error, 120)}`
  return ""
}
