import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
import { PermissionAsk, permissionAsk, QuestionAsk, questionAsk } from "../core/asks.js"
import type { Ask } from "../core/life.js"
import { startedIn, startMarkerOf } from "../core/lineage.js"
import { readMessages, type Stored } from "../core/stored.js"
import { z } from "../core/schema.js"
import { sidebarModel, type ChildFacts, type SidebarModel } from "./sidebar-model.js"

type Api = TuiPluginApi

/** A session's messages, read as the server part reads them: a record of ours that does not parse is left out, and `skipped` hears of it. */
async function messagesOf(api: Api, sessionID: string, skipped: Skipped): Promise<Stored[] | undefined> {
  const result = await api.client.session.messages({ sessionID })
  if (result.error) {
    if (result.response?.status === 404) return undefined
    throw new Error(`reading session ${sessionID}: ${JSON.stringify(result.error)}`)
  }
  return readMessages(result.data ?? [], skipped)
}

export type Skipped = (why: string) => void

export function isRunning(api: Api, sessionID: string): boolean {
  const status = api.state.session.status(sessionID)?.type
  return status === "busy" || status === "retry"
}

/** What `sessionID` asks the person now, as the TUI holds it (oldest first); parsed, so a shape this code does not know is no ask. */
export function asksIn(api: Api, sessionID: string): Ask[] {
  const permissions = api.state.session.permission(sessionID).flatMap((item) => {
    const parsed = PermissionAsk.safeParse(item)
    return parsed.success ? [permissionAsk(parsed.data)] : []
  })
  const questions = api.state.session.question(sessionID).flatMap((item) => {
    const parsed = QuestionAsk.safeParse(item)
    return parsed.success ? [questionAsk(parsed.data)] : []
  })
  return [...permissions, ...questions]
}

/** How deep below the session on screen the sidebar reads (OpenCode's own limit on maxDepth is the option's, at most 16). */
const MAX_LEVELS = 16

/**
 * What the TUI knows of one session on screen. A refresh reads the session itself, and of the
 * sessions started under it (at every depth) only those not read yet or named by an event since:
 * a tree of hundreds costs hundreds of reads once, not on every event.
 */
export class SessionView {
  private readonly children = new Map<string, ChildFacts | undefined>()
  private readonly stale = new Set<string>()
  private parentID: string | undefined

  constructor(
    private readonly api: Api,
    readonly sessionID: string,
    private readonly skipped: Skipped,
  ) {}

  /** The sessions whose events matter here: this one, the ones it started, the one that started it. */
  concerns(sessionID: string): boolean {
    return sessionID === this.sessionID || this.children.has(sessionID) || sessionID === this.parentID
  }

  changed(sessionID: string): void {
    if (this.children.has(sessionID)) this.stale.add(sessionID)
  }

  async load(): Promise<SidebarModel> {
    const messages = (await messagesOf(this.api, this.sessionID, this.skipped)) ?? []
    const seen = new Set([this.sessionID])
    for (let level = startedIn(messages), depth = 0; level.length && depth < MAX_LEVELS; depth++) {
      for (const id of level) seen.add(id)
      const read = await Promise.all(level.map((id) => this.read(id)))
      level = read.flatMap((facts) => (facts ? startedIn(facts.messages) : [])).filter((id) => !seen.has(id))
    }
    for (const [id, facts] of this.children) {
      if (!facts) continue
      facts.running = isRunning(this.api, id)
      facts.asks = asksIn(this.api, id)
    }
    this.parentID = startMarkerOf(messages)?.fromSession
    const parentTitle = this.parentID ? this.api.state.session.get(this.parentID)?.title : undefined
    return sidebarModel(this.sessionID, messages, this.children, parentTitle, isRunning(this.api, this.sessionID))
  }

  /** A started session's facts: read once, and again once an event named it. */
  private async read(sessionID: string): Promise<ChildFacts | undefined> {
    if (this.children.has(sessionID) && !this.stale.has(sessionID)) return this.children.get(sessionID)
    this.stale.delete(sessionID)
    const messages = await messagesOf(this.api, sessionID, this.skipped)
    const facts = messages && { messages, running: isRunning(this.api, sessionID), asks: asksIn(this.api, sessionID) }
    this.children.set(sessionID, facts)
    return facts
  }
}

const SessionRoute = z.object({ sessionID: z.string() })

/** The session on screen, if a session is. */
export function currentSession(api: Api): string | undefined {
  const route = api.route.current
  return route.name === "session" ? SessionRoute.safeParse(route.params).data?.sessionID : undefined
}
