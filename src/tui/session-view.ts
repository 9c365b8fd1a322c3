import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
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

/**
 * What the TUI knows of one session on screen. A refresh reads the session itself, and of the
 * sessions it started only those not read yet or named by an event since: a session that
 * started hundreds costs hundreds of reads once, not on every event.
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
    const ids = startedIn(messages).filter((id) => !this.children.has(id) || this.stale.has(id))
    await Promise.all(
      ids.map(async (id) => {
        this.stale.delete(id)
        const childMessages = await messagesOf(this.api, id, this.skipped)
        this.children.set(id, childMessages && { messages: childMessages, running: isRunning(this.api, id) })
      }),
    )
    for (const [id, facts] of this.children) if (facts) facts.running = isRunning(this.api, id)
    this.parentID = startMarkerOf(messages)?.fromSession
    const parentTitle = this.parentID ? this.api.state.session.get(this.parentID)?.title : undefined
    return sidebarModel(this.sessionID, messages, this.children, parentTitle, isRunning(this.api, this.sessionID))
  }
}

const SessionRoute = z.object({ sessionID: z.string() })

/** The session on screen, if a session is. */
export function currentSession(api: Api): string | undefined {
  const route = api.route.current
  return route.name === "session" ? SessionRoute.safeParse(route.params).data?.sessionID : undefined
}
