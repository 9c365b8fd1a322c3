import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
import { startedIn, startMarkerOf } from "../core/lineage.js"
import type { Stored } from "../core/protocol.js"
import { sidebarModel, type ChildFacts, type SidebarModel } from "./sidebar-model.js"

type Api = TuiPluginApi

async function messagesOf(api: Api, sessionID: string): Promise<Stored[] | undefined> {
  const result = await api.client.session.messages({ sessionID })
  if (result.error) {
    if (result.response?.status === 404) return undefined
    throw new Error(`reading session ${sessionID}: ${JSON.stringify(result.error)}`)
  }
  return result.data ?? []
}

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
  ) {}

  /** The sessions whose events matter here: this one, the ones it started, the one that started it. */
  concerns(sessionID: string): boolean {
    return sessionID === this.sessionID || this.children.has(sessionID) || sessionID === this.parentID
  }

  changed(sessionID: string): void {
    if (this.children.has(sessionID)) this.stale.add(sessionID)
  }

  async load(): Promise<SidebarModel> {
    const messages = (await messagesOf(this.api, this.sessionID)) ?? []
    const ids = startedIn(messages).filter((id) => !this.children.has(id) || this.stale.has(id))
    await Promise.all(
      ids.map(async (id) => {
        this.stale.delete(id)
        const childMessages = await messagesOf(this.api, id)
        this.children.set(id, childMessages && { messages: childMessages, running: isRunning(this.api, id) })
      }),
    )
    for (const [id, facts] of this.children) if (facts) facts.running = isRunning(this.api, id)
    this.parentID = startMarkerOf(messages)?.fromSession
    const parentTitle = this.parentID ? this.api.state.session.get(this.parentID)?.title : undefined
    return sidebarModel(messages, this.children, parentTitle, isRunning(this.api, this.sessionID))
  }
}

/** The session on screen, if a session is. */
export function currentSession(api: Api): string | undefined {
  const route = api.route.current
  return route.name === "session" ? (route.params as { sessionID?: string } | undefined)?.sessionID : undefined
}
