import { reportStanding } from "../../../core/gather.js"
import { owedTurns, type Life } from "../../../core/life.js"
import { reportedIn, startMarkerOf } from "../../../core/lineage.js"
import type { Stored } from "../../../core/stored.js"
import { worktreeState } from "../../isolation/describe.js"
import { mapLimited, READ_CONCURRENCY } from "../../lifecycle/from-store.js"
import { sessionLabel } from "../../../core/format.js"
import { words, type Below, type StatusRow, type TeamRow } from "../../words/index.js"
import type { ToolServices } from "./services.js"
import { labelOf } from "./targets.js"

/**
 * What became of every session this one started (their lives, read back from OpenCode's store
 * where not held, so it holds across restarts), and what is still queued here; in a started
 * session, its team too (its caller, and the others its caller started). Read-only.
 */
export async function status(services: Pick<ToolServices, "opencode" | "book" | "lifecycle" | "worktrees">, sessionID: string): Promise<string> {
  const { opencode, book, lifecycle, worktrees } = services
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
      ...(marker.name ? { name: marker.name } : {}),
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
      ...waitsFor(lifecycle, life),
    }
  })
  return [words.result.status(rows, pending, below(lifecycle, sessionID)), ...(await team(services, sessionID, messages))].join("\n")
}

/** A start `after` others that still waits: those others, named. */
function waitsFor(lifecycle: ToolServices["lifecycle"], life: Life): { waitsFor?: string[] } {
  const { state } = life
  if (state.state !== "waiting" || state.for !== "others") return {}
  return { waitsFor: (state.on ?? []).map((id) => lifecycle.label(id)) }
}

/** Inside a started session (its start marker held, or in `messages`, its own, read already): who started it, and the sessions the same caller started (its team). */
async function team({ opencode, lifecycle }: Pick<ToolServices, "opencode" | "lifecycle">, sessionID: string, messages: readonly Stored[]): Promise<string[]> {
  const marker = lifecycle.life(sessionID)?.marker ?? startMarkerOf(messages)
  if (!marker) return []
  const callerID = marker.fromSession
  const siblings = (await lifecycle.livesOf(callerID, await opencode.messages(callerID))).filter((life) => life.sessionID !== sessionID)
  const row = (life: Life): TeamRow => ({
    label: labelOf(life),
    agent: life.marker.agent,
    state: life.state,
    ...waitsFor(lifecycle, life),
  })
  return [words.result.team({ me: sessionLabel(sessionID, marker.name), callerID, callerAgent: marker.fromAgent, siblings: siblings.map(row) })]
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
