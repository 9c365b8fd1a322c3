/**
 * The TUI part: a sidebar section for the session on screen (what it started, their state and
 * reports, who started it), palette commands to jump to those sessions and back, and a hint
 * beside the prompt after a hand-off. It reads only what OpenCode stores, through the same
 * core as the server part. Built into plain JavaScript for OpenCode's Solid renderer
 * (scripts/build-tui.mjs).
 */
import type { TuiPluginApi, TuiPluginModule } from "@opencode-ai/plugin/tui"
import { PACKAGE_NAME, TUI_PART_REGISTERED } from "../core/protocol.js"
import { registerCommands } from "./commands.js"
import { log, reporter, type Report } from "./notice.js"
import { PromptHint, SidebarSection } from "./sidebar.js"

function registerViews(api: TuiPluginApi, report: Report): void {
  api.slots.register({
    order: 150,
    slots: {
      sidebar_content(_context: unknown, props: { session_id: string }) {
        return <SidebarSection api={api} sessionID={props.session_id} report={report} />
      },
      session_prompt_right(_context: unknown, props: { session_id: string }) {
        return <PromptHint api={api} sessionID={props.session_id} report={report} />
      },
    },
  })
}

/**
 * Says the TUI part is there: a line in OpenCode's log, and an event the server part hears
 * (server/host/tui-part.ts), which otherwise warns the person that the TUI part never loaded.
 */
async function announce(api: TuiPluginApi, report: Report): Promise<void> {
  void log(api, "info", `${PACKAGE_NAME}: TUI part registered (the Sessions section in the sidebar, and its commands).`)
  try {
    const result = await api.client.tui.publish({ body: { type: "tui.command.execute", properties: { command: TUI_PART_REGISTERED } } })
    if (result.error) throw new Error(JSON.stringify(result.error))
  } catch (error) {
    report("the TUI part loaded, but could not tell the server part (a warning that it did not load may follow: it did)", error)
  }
}

const plugin: TuiPluginModule & { id: string } = {
  id: PACKAGE_NAME,
  async tui(api) {
    const report = reporter(api)
    try {
      registerViews(api, report)
      registerCommands(api, report)
    } catch (error) {
      report("the TUI part could not register in this OpenCode's TUI", error)
      return
    }
    void announce(api, report)
  },
}

export default plugin
