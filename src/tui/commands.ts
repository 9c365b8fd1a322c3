/**
 * The TUI part's palette commands: jump to a session this one started, back to the one that
 * started it, to the session that has waited longest for the person's answer, and stop what
 * this one started.
 */
import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
import { PermissionAsk, QuestionAsk } from "../core/asks.js"
import { tokens as tokensOf } from "../core/outcome.js"
import { STOP_STARTED, stopStartedCommand, TUI_PART_REGISTERED } from "../core/protocol.js"
import { z } from "../core/schema.js"
import type { Report } from "./notice.js"
import { currentSession, SessionView } from "./session-view.js"
import { tokens, type StartedRow } from "./sidebar-model.js"

const used = (row: StartedRow) => tokensOf(row.spent)

type Api = TuiPluginApi

const skipped = (report: Report) => (why: string) => report("a record of this plugin's was skipped", why)

const STARTED_COMMAND = "opencode-sessions.started"
const STARTER_COMMAND = "opencode-sessions.starter"
const ASKING_COMMAND = "opencode-sessions.asking"

async function pickStarted(api: Api, report: Report): Promise<void> {
  const sessionID = currentSession(api)
  if (!sessionID) return api.ui.toast({ variant: "info", title: "session", message: "Open a session first: this lists the sessions it started." })
  const model = await new SessionView(api, sessionID, skipped(report))
    .load()
    .catch((error: unknown) => report("could not read the sessions started here", error))
  if (!model) return
  if (model.started.length === 0) return api.ui.toast({ variant: "info", title: "session", message: "This session started no sessions with the session tool." })
  api.ui.dialog.replace(() =>
    api.ui.DialogSelect({
      title: "Sessions started here",
      options: model.started.map((row) => ({
        title: row.title,
        value: row.sessionID,
        description: `${row.agent} · ${row.state}${row.report === "due" ? " · report due" : ""}${row.branch ? " · own worktree" : ""}${used(row) ? ` · ${tokens(used(row))}` : ""}`,
      })),
      onSelect: (option) => {
        api.ui.dialog.clear()
        api.route.navigate("session", { sessionID: option.value })
      },
    }),
  )
}

async function backToStarter(api: Api, report: Report): Promise<void> {
  const sessionID = currentSession(api)
  const model = sessionID
    ? await new SessionView(api, sessionID, skipped(report)).load().catch((error: unknown) => report("could not read this session", error))
    : undefined
  if (!model?.startedBy) return api.ui.toast({ variant: "info", title: "session", message: "This session was not started by the session tool." })
  api.route.navigate("session", { sessionID: model.startedBy.sessionID })
}

const Listed = z.array(z.unknown())

/** OpenCode's ids grow with time after their prefix ("per_…", "que_…"): the oldest ask sorts first. */
const age = (id: string) => id.slice(id.indexOf("_") + 1)

/**
 * Opens the session whose ask has waited longest for the person (a permission or a question, in
 * any session but the one on screen, where OpenCode shows it already), for OpenCode's own prompt
 * there to take the answer.
 */
async function openAsking(api: Api, report: Report): Promise<void> {
  const here = currentSession(api)
  let pending: Array<{ id: string; sessionID: string }>
  try {
    const [permissions, questions] = await Promise.all([api.client.permission.list(), api.client.question.list()])
    const items = (result: { data?: unknown }) => Listed.safeParse(result.data).data ?? []
    pending = [
      ...items(permissions).flatMap((item) => PermissionAsk.safeParse(item).data ?? []),
      ...items(questions).flatMap((item) => QuestionAsk.safeParse(item).data ?? []),
    ].sort((a, b) => age(a.id).localeCompare(age(b.id)))
  } catch (error) {
    return report("could not list what sessions ask you", error)
  }
  const oldest = pending.find((ask) => ask.sessionID !== here)
  if (oldest) return api.route.navigate("session", { sessionID: oldest.sessionID })
  const message = pending.length ? "Every ask waiting for you is in this session: answer it here." : "No session waits for your answer."
  api.ui.toast({ variant: "info", title: "session", message })
}

/**
 * Asks the server part to stop what the session on screen started (it holds the sessions still
 * waiting for a place, and notes why each stopped): the request goes as a command event the
 * server part hears, and its toast says what stopped.
 */
async function stopStarted(api: Api, report: Report): Promise<void> {
  const sessionID = currentSession(api)
  if (!sessionID) return api.ui.toast({ variant: "info", title: "session", message: "Open a session first: this stops the sessions it started." })
  const command = stopStartedCommand(sessionID, `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
  try {
    const result = await api.client.tui.publish({ body: { type: "tui.command.execute", properties: { command } } })
    if (result.error) throw new Error(JSON.stringify(result.error))
  } catch (error) {
    report("could not ask the server part to stop the sessions started here", error)
  }
}

export function registerCommands(api: Api, report: Report): void {
  api.keymap.registerLayer({
    commands: [
      { name: STARTED_COMMAND, title: "Sessions started here", category: "Session", namespace: "palette", run: () => void pickStarted(api, report) },
      {
        name: STARTER_COMMAND,
        title: "Back to the session that started this one",
        category: "Session",
        namespace: "palette",
        run: () => void backToStarter(api, report),
      },
      { name: STOP_STARTED, title: "Stop the sessions started here", category: "Session", namespace: "palette", run: () => void stopStarted(api, report) },
      { name: ASKING_COMMAND, title: "Open the session that asks you", category: "Session", namespace: "palette", run: () => void openAsking(api, report) },
      // Not in the palette: the TUI runs the command it hears when the TUI part announces itself (see index.tsx).
      { name: TUI_PART_REGISTERED, title: "opencode-sessions: TUI part registered", run: () => undefined },
    ],
    bindings: [
      { key: "<leader>o", cmd: STARTED_COMMAND, desc: "Sessions started here" },
      { key: "<leader>p", cmd: STARTER_COMMAND, desc: "Back to the starting session" },
      { key: "<leader>k", cmd: STOP_STARTED, desc: "Stop the sessions started here" },
      { key: "<leader>j", cmd: ASKING_COMMAND, desc: "Open the session that asks you" },
    ],
  })
}
