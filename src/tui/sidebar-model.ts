/**
 * What the TUI shows for the session on screen, decided from what OpenCode stores by the same
 * core as the server part's lifecycle (core/life.ts, core/outcome.ts lifeFromStore), so the two
 * faces tell the same story. Pure.
 */
import { excerpt } from "../core/format.js"
import { reportStanding } from "../core/gather.js"
import { owedTurns, type State } from "../core/life.js"
import { queuedIn, reportedIn, startedIn, startMarkerOf, type QueuedCall } from "../core/lineage.js"
import { lifeFromStore, totalSpent, type Spent } from "../core/outcome.js"
import type { StartMarker } from "../core/protocol.js"
import { isPluginMessage, messageMarker, type Stored } from "../core/stored.js"

export type ChildFacts = { messages: readonly Stored[]; running: boolean }

export type StartedRow = {
  sessionID: string
  title: string
  agent: string
  mode: "new" | "fork"
  state: string
  report: "due" | "sent" | "none"
  /** For a session in its own worktree: its branch (the same worktree `status` names, with its changes). */
  branch?: string
  /** Its own turns' tokens and cost, as the model reported them. */
  spent: Spent
}

export type SidebarModel = {
  /** The session that started this one, when the tool did. */
  startedBy?: { sessionID: string; title: string; agent: string; mode: "new" | "fork" }
  started: StartedRow[]
  /** Hand-offs queued here, delivered when the running turn ends. */
  queued: QueuedCall[]
}

/** The model for one session: its own messages, and each started session's (undefined: deleted). */
export function sidebarModel(
  sessionID: string,
  messages: readonly Stored[],
  children: ReadonlyMap<string, ChildFacts | undefined>,
  parentTitle?: string,
  running = false,
): SidebarModel {
  const reported = reportedIn(messages)
  const started: StartedRow[] = []
  for (const childID of startedIn(messages)) {
    const facts = children.get(childID)
    const stored = facts && lifeFromStore(childID, facts.messages, { id: sessionID, messages }, facts.running)
    if (!stored) continue
    const { marker } = stored.life
    const standing = reportStanding(owedTurns(stored.life), reported)
    started.push({
      sessionID: childID,
      title: marker.title,
      agent: marker.agent,
      mode: marker.mode,
      state: stateLabel(stored.life.state),
      report: standing === undefined ? "none" : standing === "reported" ? "sent" : "due",
      ...(marker.isolation ? { branch: marker.isolation.branch } : {}),
      spent: totalSpent(stored.usage.values()),
    })
  }
  const own: StartMarker | undefined = startMarkerOf(messages)
  const startedBy = own && { sessionID: own.fromSession, title: parentTitle ?? own.fromSession, agent: own.fromAgent, mode: own.mode }
  const queued = queuedIn(messages, running)
  return startedBy ? { startedBy, started, queued } : { started, queued }
}

/** How a started session stands, in a word the narrow sidebar can hold. */
export function stateLabel(state: State): string {
  if (state.state === "running") return "working"
  if (state.state === "answered") return "idle"
  if (state.state === "waiting") return "waiting"
  return state.state
}

/** The sidebar's text, a line each (the sidebar is narrow); nothing when there is nothing to show. */
export function sidebarLines(model: SidebarModel, maxTitle = 30): string[] {
  const cut = (text: string) => (text.length > maxTitle ? `${text.slice(0, maxTitle - 1)}…` : text)
  const lines: string[] = []
  if (model.startedBy) lines.push(`Started by ${model.startedBy.agent} (${model.startedBy.mode}) in`, `  ${cut(model.startedBy.title)}`)
  if (model.started.length) {
    const total = model.started.reduce((sum, row) => sum + row.spent.input + row.spent.output, 0)
    lines.push(`Started here (${model.started.length})${total ? ` · ${tokens(total)}` : ""}`)
    for (const row of model.started) {
      const report = row.report === "due" ? " · report due" : row.report === "sent" ? " · reported" : ""
      const used = row.spent.input + row.spent.output
      lines.push(`• ${cut(row.title)}`, `  ${row.agent} · ${row.state}${report}${used ? ` · ${tokens(used)}` : ""}`)
      if (row.branch) lines.push(`  worktree ${cut(row.branch)}`)
    }
  }
  if (model.queued.length) {
    lines.push(`Queued here (${model.queued.length})`)
    for (const call of model.queued) lines.push(`• ${call.mode} → ${call.agent}: ${excerpt(call.text, maxTitle - call.mode.length - call.agent.length - 3)}`)
  }
  return lines
}

/** A token count the narrow sidebar can hold: 950 tok, 12.3k tok, 1.2M tok. */
export function tokens(count: number): string {
  if (count < 1000) return `${count} tok`
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k tok`
  return `${(count / 1_000_000).toFixed(1)}M tok`
}

/**
 * Where the person's next words go after a hand-off landed on screen. OpenCode's TUI takes the
 * prompt's agent from a session's last user message only when it opens the session, so after
 * a hand-off the prompt still shows the person's agent while another agent answered: say so.
 */
export function handoffHint(messages: readonly Stored[]): string | undefined {
  const users = messages.filter((message) => message.info.role === "user")
  const last = users.at(-1)
  const marker = last && messageMarker(last)
  if (!last || !marker || (marker.kind !== "message" && marker.kind !== "compact")) return undefined
  const took = last.info.agent
  const person = [...users].reverse().find((message) => !isPluginMessage(message.parts))
  const yours = person?.info.agent
  if (!took || took === yours) return undefined
  return `${took} took the hand-off · the prompt stays on ${yours ?? "your agent"}: Tab to answer ${took}`
}
