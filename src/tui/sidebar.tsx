/** The TUI part's views: the Sessions section of the sidebar, and the hint beside the prompt after a hand-off. */
import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
import { createEffect, createSignal, For, onCleanup, Show } from "solid-js"
import { z } from "../core/schema.js"
import { readMessages } from "../core/stored.js"
import type { Report } from "./notice.js"
import { SessionView } from "./session-view.js"
import { handoffHint, sidebarLines, type SidebarModel } from "./sidebar-model.js"

type Api = TuiPluginApi

/** Events after which what the sidebar shows may have changed. */
const CHANGES = [
  "message.updated",
  "session.status",
  "session.idle",
  "session.deleted",
  "session.updated",
  "permission.asked",
  "permission.replied",
  "question.asked",
  "question.replied",
  "question.rejected",
] as const

const AboutSession = z.object({ sessionID: z.string(), info: z.object({ sessionID: z.string(), id: z.string() }).partial() }).partial()

/** The session an event is about, whatever its shape. */
function sessionOf(event: { properties?: unknown }): string | undefined {
  const properties = AboutSession.safeParse(event.properties).data
  return properties?.sessionID ?? properties?.info?.sessionID ?? properties?.info?.id
}

/** A record of ours that does not parse is said once (toast and log), not on every refresh. */
function skippedBy(report: Report): (why: string) => void {
  return (why) => report("a record of this plugin's was skipped", why)
}

export function SidebarSection(props: { api: Api; sessionID: string; report: Report }) {
  const [model, setModel] = createSignal<SidebarModel>({ started: [], queued: [] })
  let view: SessionView | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const refresh = () => {
    clearTimeout(timer)
    const sessionID = props.sessionID
    if (view?.sessionID !== sessionID) view = new SessionView(props.api, sessionID, skippedBy(props.report))
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

export function PromptHint(props: { api: Api; sessionID: string; report: Report }) {
  const hint = () => {
    const raw = props.api.state.session.messages(props.sessionID).map((info) => ({ info, parts: props.api.state.part(info.id) }))
    return handoffHint(readMessages(raw, skippedBy(props.report)))
  }
  return (
    <box>
      <Show when={hint()}>
        <text fg={props.api.theme.current.warning}>{hint()}</text>
      </Show>
    </box>
  )
}
