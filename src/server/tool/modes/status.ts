import { reportStanding } from "../../../core/gather.js"
import { owedTurns, type Life } from "../../../core/life.js"
import { reportedIn } from "../../../core/lineage.js"
import { worktreeState } from "../../isolation/describe.js"
import { mapLimited, READ_CONCURRENCY } from "../../lifecycle/from-store.js"
import { words, type Below, type StatusRow } from "../../words/index.js"
import type { ToolServices } from "./services.js"

/**
 * What became of every session this one started (their lives, read back from OpenCode's store
 * where not held, so it holds across restarts), and what is still queued here. Read-only.
 */
export async function status(
  { opencode, book, lifecycle, worktrees }: Pick<ToolServices, "opencode" | "book" | "lifecycle" | "worktrees">,
  sessionID: string,
): Promise<string> {
  const messages = await opencode.messages(sessionID)
  const lives = await lifecycle.livesOf(sessionID, messages)
  // What each started, at every depth: read back where not held, to count what the whole tree cost.
  await lifecycle.readTree(lives)
  const reported = reportedIn(messages)
  const pending = book.pending(sessionID)
  const queuedReports = new Set(pending.flatMap((handoff) => (handoff.covers ?? []).map((sender) => sender.key ?? sender.sessionID)))
  const rows = await mapLimited(lives, READ_CONCURRENCY, async (life): Promise<StatusRow> => {
    // Each answer it owes (its first turn's, each follow-up's) is sent, queued or due; the row says where the last of them stands.
    const reportState = reportStanding(owedTurns(life), reported, queuedReports)
    const { marker } = life
    return {
      sessionID: life.sessionID,
      title: marker.title,
      agent: marker.agent,
      mode: marker.mode,
      report: marker.report,
      state: life.state,
      reportState,
      latest: await latest(lifecycle, life),
      worktree: await worktreeState(worktrees, life.sessionID, marker.isolation),
      spent: lifecycle.spent(life.sessionID),
      followUps: life.turns.length - 1,
      below: below(lifecycle, life.sessionID),
    }
  })
  return words.result.status(rows, pending, below(lifecycle, sessionID))
}

/** What a session started, at every depth: how many, what they cost together, who of them asks the person now. */
function below(lifecycle: ToolServices["lifecycle"], sessionID: string): Below {
  const under = lifecycle.descendants(sessionID)
  const asking = lifecycle.askersUnder(sessionID).filter((asker) => asker.sessionID !== sessionID)
  return { sessions: under.length, spent: lifecycle.treeSpent(sessionID), asking }
}

/** Its latest answer (of the turns it owes), or why its turn failed. */
async function latest(lifecycle: ToolServices["lifecycle"], life: Life): Promise<string | undefined> {
  if (life.state.state === "failed") return life.state.error
  if (life.state.state !== "answered") return undefined
  const last = [...life.turns].reverse().find((turn) => turn.state.state === "answered")
  return last ? (await lifecycle.answers(life, [last.key])).get(last.key) || undefined : undefined
}
