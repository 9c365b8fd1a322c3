/**
 * What the TUI shows for the session on screen, decided from what OpenCode stores by the same
 * core as the server part's lifecycle (core/life.ts, core/outcome.ts lifeFromStore), so the two
 * faces tell the same story. Pure.
 */
import { excerpt } from "../core/format.js"
import { reportStanding } from "../core/gather.js"
import { owedTurns, type Ask, type State } from "../core/life.js"
import { queuedIn, reportedIn, startedIn, startMarkerOf, type QueuedCall } from "../core/lineage.js"
import { lifeFromStore, NOTHING_SPENT, tokens as tokensOf, totalSpent, type Spent, type StoredLife } from "../core/outcome.js"
import type { StartMarker } from "../core/protocol.js"
import { isPluginMessage, messageMarker, type Stored } from "../core/stored.js"

/** What the TUI knows of a started session: its messages, whether a turn runs there, and what it asks the person now. */
export type ChildFacts = { messages: readonly Stored[]; running: boolean; asks?: readonly Ask[] }

/** What a session started, at every depth below it: how many, what they cost, how many ask the person now. */
export type Below = { sessions: number; spent: Spent; asking: number }

export type StartedRow = {
  sessionID: string
  title: string
  /** Its name in the team (`name` on its start). */
  name?: string
  agent: string
  mode: "new" | "fork"
  state: string
  report: "due" | "sent" | "none"
  /** For a session in its own worktree: its branch (the same worktree `status` names, with its changes). */
  branch?: string
  /** Its own turns' tokens and cost, as the model reported them. */
  spent: Spent
  /** What it asks the person now (oldest first): only the person answers, in that session. */
  asks?: readonly Ask[]
  /** What it started in turn, at every depth; absent when it started nothing. */
  below?: Below
}

export type SidebarModel = {
  /** The session that started this one, when the tool did (and this one's name, if it has one). */
  startedBy?: { sessionID: string; title: string; agent: string; mode: "new" | "fork"; name?: string }
  started: StartedRow[]
  /** Hand-offs queued here, delivered when the running turn ends. */
  queued: QueuedCall[]
  /** Everything started from here, at every depth (absent when nothing was). */
  everything?: Below
}

type Grown = { sessionID: string; stored: StoredLife; facts: ChildFacts }

/** The sessions `callerID` started whose facts are known, with their lives as the store tells them. */
function startedBy(callerID: string, callerMessages: readonly Stored[], children: ReadonlyMap<string, ChildFacts | undefined>): Grown[] {
  return startedIn(callerMessages).flatMap((sessionID) => {
    const facts = children.get(sessionID)
    const stored = facts && lifeFromStore(sessionID, facts.messages, { id: callerID, messages: callerMessages }, facts.running)
    return stored ? [{ sessionID, stored, facts }] : []
  })
}

/** Everything these sessions stand for: themselves and all they started, at every depth (`children` holds the facts of each, read by session-view.ts). */
function treeOf(level: readonly Grown[], children: ReadonlyMap<string, ChildFacts | undefined>): Below {
  const seen = new Set<string>()
  let below: Below = { sessions: 0, spent: NOTHING_SPENT, asking: 0 }
  for (let next = level; next.length;) {
    const fresh = next.filter((grown) => !seen.has(grown.sessionID))
    for (const grown of fresh) {
      seen.add(grown.sessionID)
      const spent = totalSpent([below.spent, totalSpent(grown.stored.usage.values())])
      below = { sessions: below.sessions + 1, spent, asking: below.asking + (grown.facts.asks?.length ? 1 : 0) }
    }
    next = fresh.flatMap((grown) => startedBy(grown.sessionID, grown.facts.messages, children))
  }
  return below
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
  const mine = startedBy(sessionID, messages, children)
  const names = new Map(mine.map((grown) => [grown.sessionID, grown.stored.life.marker.name ?? grown.sessionID]))
  const started = mine.map(({ sessionID: childID, stored, facts }): StartedRow => {
    const { marker } = stored.life
    const standing = reportStanding(owedTurns(stored.life), reported)
    const below = treeOf(startedBy(childID, facts.messages, children), children)
    return {
      sessionID: childID,
      title: marker.title,
      ...(marker.name ? { name: marker.name } : {}),
      agent: marker.agent,
      mode: marker.mode,
      state: facts.asks?.length ? "asks you" : stateLabel(stored.life.state, (id) => names.get(id) ?? id),
      report: standing === undefined ? "none" : standing === "reported" ? "sent" : "due",
      ...(marker.isolation ? { branch: marker.isolation.branch } : {}),
      spent: totalSpent(stored.usage.values()),
      ...(facts.asks?.length ? { asks: facts.asks } : {}),
      ...(below.sessions ? { below } : {}),
    }
  })
  const everything = mine.length ? treeOf(mine, children) : undefined
  const own: StartMarker | undefined = startMarkerOf(messages)
  const starter = own && {
    ...{ sessionID: own.fromSession, title: parentTitle ?? own.fromSession, agent: own.fromAgent, mode: own.mode },
    ...(own.name ? { name: own.name } : {}),
  }
  const queued = queuedIn(messages, running)
  return { ...(starter ? { startedBy: starter } : {}), started, queued, ...(everything ? { everything } : {}) }
}

/** How a started session stands, in a word the narrow sidebar can hold; one waiting `after` others names them (`nameOf`). */
export function stateLabel(state: State, nameOf: (sessionID: string) => string = (sessionID) => sessionID): string {
  if (state.state === "running") return "working"
  if (state.state === "answered") return "idle"
  if (state.state === "waiting") return state.for === "others" && state.on?.length ? `waits for ${state.on.map(nameOf).join(", ")}` : "waiting"
  return state.state
}

/** The sidebar's text, a line each (the sidebar is narrow); nothing when there is nothing to show. */
export function sidebarLines(model: SidebarModel, maxTitle = 30): string[] {
  const cut = (text: string) => (text.length > maxTitle ? `${text.slice(0, maxTitle - 1)}…` : text)
  const lines: string[] = []
  if (model.startedBy) {
    const as = model.startedBy.name ? ` as ${model.startedBy.name}` : ""
    lines.push(`Started by ${model.startedBy.agent} (${model.startedBy.mode})${as} in`, `  ${cut(model.startedBy.title)}`)
  }
  if (model.started.length) {
    const total = model.started.reduce((sum, row) => sum + tokensOf(row.spent), 0)
    lines.push(`Started here (${model.started.length})${total ? ` · ${tokens(total)}` : ""}`)
    const all = model.everything
    if (all && all.sessions > model.started.length) lines.push(`  all depths: ${all.sessions} · ${tokens(tokensOf(all.spent))}`)
    for (const row of model.started) {
      const report = row.report === "due" ? " · report due" : row.report === "sent" ? " · reported" : ""
      const used = tokensOf(row.spent)
      // "!": it, or a session it started, waits for the person.
      // A named session's title begins with its name (core/format.ts sessionTitle).
      lines.push(`${row.asks || row.below?.asking ? "!" : "•"} ${cut(row.title)}`, `  ${row.agent} · ${row.state}${report}${used ? ` · ${tokens(used)}` : ""}`)
      const [ask] = row.asks ?? []
      if (ask) lines.push(`  ${cut(`${ask.kind === "question" ? "? " : ""}${ask.what}`)}`)
      if (row.below)
        lines.push(
          `  started ${row.below.sessions}${tokensOf(row.below.spent) ? ` · ${tokens(tokensOf(row.below.spent))}` : ""}${row.below.asking ? ` · ${row.below.asking} ask you` : ""}`,
        )
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
