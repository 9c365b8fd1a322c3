/**
 * The TUI part: a sidebar section for the session on screen (what it started, their state and
 * reports, who started it), palette commands to jump to those sessions and back, and a hint
 * beside the prompt after a hand-off. It reads only what OpenCode stores, through the same
 * core as the server part. OpenCode compiles this file with its own Solid runtime.
 */
import type { TuiPluginApi, TuiPluginModule } from "@opencode-ai/plugin/tui"
import { createEffect, createSignal, For, onCleanup, Show } from "solid-js"
import { startedIn, startMarkerOf, type Stored } from "../core/lineage.js"
import { handoffHint, sidebarLines, sidebarModel, type ChildFacts, type SidebarModel } from "./sidebar-model.js"

const STARTED_COMMAND = "opencode-sessions.started"
const STARTER_COMMAND = "opencode-sessions.starter"
/** Events after which what the sidebar shows may have changed. */
const CHANGES = ["message.updated", "session.status", "session.idle", "session.deleted", "session.updated"] as const

type Api = TuiPluginApi

async function messagesOf(api: Api, sessionID: string): Promise<Stored[] | undefined> {
  const result = await api.client.session.messages({ sessionID })
  if (result.error) {
    if (result.response?.status === 404) return undefined
    throw new Error(`reading session ${sessionID}: ${JSON.stringify(result.error)}`)
  }
  return (result.data ?? []) as unknown as Stored[]
}

function isRunning(api: Api, sessionID: string): boolean {
  const status = api.state.session.status(sessionID)?.type
  return status === "busy" || status === "retry"
}

/**
 * What the sidebar knows of one session on screen. A refresh reads the session itself, and of
 * the sessions it started only those not read yet or named by an event since: a session that
 * started hundreds costs hundreds of reads once, not on every event.
 */
class SessionView {
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

/** The session an event is about, whatever its shape. */
function sessionOf(event: { properties?: unknown }): string | undefined {
  const properties = event.properties as { sessionID?: string; info?: { sessionID?: string; id?: string } } | undefined
  return properties?.sessionID ?? properties?.info?.sessionID ?? properties?.info?.id
}

async function loadModel(api: Api, sessionID: string): Promise<SidebarModel> {
  return new SessionView(api, sessionID).load()
}

/** Tells the person once per distinct problem, never in a loop on every refresh. */
function reporter(api: Api) {
  const said = new Set<string>()
  return (what: string, error: unknown) => {
    const message = `opencode-sessions: ${what}: ${error instanceof Error ? error.message : String(error)}`
    if (said.has(message)) return
    said.add(message)
    api.ui.toast({ variant: "error", title: "session", message })
  }
}

function SidebarSection(props: { api: Api; sessionID: string; report: ReturnType<typeof reporter> }) {
  const [model, setModel] = createSignal<SidebarModel>({ started: [], queued: [] })
  let view: SessionView | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const refresh = () => {
    clearTimeout(timer)
    const sessionID = props.sessionID
    if (view?.sessionID !== sessionID) view = new SessionView(props.api, sessionID)
    const current = view
    timer = setTimeout(() => {
      current.load().then(setModel, (error: unknown) => props.report("could not read the sessions started here", error))
    }, 150)
  }
  createEffect(refresh)
  const onEvent = (event: { properties?: unknown }) => {
    const sessionID = sessionOf(event)
    if (!view || !sessionID || !view.concerns(sessionID)) return
    view.changed(sessionID)
    refresh()
  }
  const offs = CHANGES.map((type) => props.api.event.on(type, onEvent))
  onCleanup(() => {
    clearTimeout(timer)
    for (const off of offs) off()
  })
  const lines = () => sidebarLines(model())
  const theme = () => props.api.theme.current
  // The box is always there (empty and without height when there is nothing to show): a slot
  // whose content starts empty is not filled in later by OpenCode 1.18.33.
  return (
    <box flexDirection="column">
      <Show when={lines().length > 0}>
        <text fg={theme().text}>
          <b>Sessions</b>
        </text>
        <For each={lines()}>{(line: string) => <text fg={theme().textMuted}>{line}</text>}</For>
      </Show>
    </box>
  )
}

function PromptHint(props: { api: Api; sessionID: string }) {
  const hint = () => {
    const messages = props.api.state.session.messages(props.sessionID).map((info) => ({ info, parts: props.api.state.part(info.id) }))
    return handoffHint(messages as unknown as Stored[])
  }
  return (
    <box>
      <Show when={hint()}>
        <text fg={props.api.theme.current.warning}>{hint()}</text>
      </Show>
    </box>
  )
}

function currentSession(api: Api): string | undefined {
  const route = api.route.current
  return route.name === "session" ? (route.params as { sessionID?: string } | undefined)?.sessionID : undefined
}

async function pickStarted(api: Api, report: ReturnType<typeof reporter>): Promise<void> {
  const sessionID = currentSession(api)
  if (!sessionID) return api.ui.toast({ variant: "info", title: "session", message: "Open a session first: this lists the sessions it started." })
  const model = await loadModel(api, sessionID).catch((error: unknown) => report("could not read the sessions started here", error))
  if (!model) return
  if (model.started.length === 0) return api.ui.toast({ variant: "info", title: "session", message: "This session started no sessions with the session tool." })
  api.ui.dialog.replace(() =>
    api.ui.DialogSelect({
      title: "Sessions started here",
      options: model.started.map((row) => ({
        title: row.title,
        value: row.sessionID,
        description: `${row.agent} · ${row.state}${row.report === "due" ? " · report due" : ""}${row.branch ? " · own worktree" : ""}`,
      })),
      onSelect: (option) => {
        api.ui.dialog.clear()
        api.route.navigate("session", { sessionID: option.value })
      },
    }),
  )
}

async function backToStarter(api: Api, report: ReturnType<typeof reporter>): Promise<void> {
  const sessionID = currentSession(api)
  const model = sessionID ? await loadModel(api, sessionID).catch((error: unknown) => report("could not read this session", error)) : undefined
  if (!model?.startedBy) return api.ui.toast({ variant: "info", title: "session", message: "This session was not started by the session tool." })
  api.route.navigate("session", { sessionID: model.startedBy.sessionID })
}

const plugin: TuiPluginModule & { id: string } = {
  id: "opencode-sessions",
  async tui(api) {
    const report = reporter(api)
    api.slots.register({
      order: 150,
      slots: {
        sidebar_content(_context: unknown, props: { session_id: string }) {
          return <SidebarSection api={api} sessionID={props.session_id} report={report} />
        },
        session_prompt_right(_context: unknown, props: { session_id: string }) {
          return <PromptHint api={api} sessionID={props.session_id} />
        },
      },
    })
    api.keymap.registerLayer({
      commands: [
        { name: STARTED_COMMAND, title: "Sessions started here", category: "Session", namespace: "palette", run: () => void pickStarted(api, report) },
        { name: STARTER_COMMAND, title: "Back to the session that started this one", category: "Session", namespace: "palette", run: () => void backToStarter(api, report) },
      ],
      bindings: [
        { key: "<leader>o", cmd: STARTED_COMMAND, desc: "Sessions started here" },
        { key: "<leader>p", cmd: STARTER_COMMAND, desc: "Back to the starting session" },
      ],
    } as never)
  },
}

export default plugin
