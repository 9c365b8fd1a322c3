import type { AgentCatalog } from "../agents.js"
import type { HandoffBook } from "../handoff/book.js"
import type { ModelRef } from "../handoff/types.js"
import type { Launcher } from "../launcher.js"
import type { Notifier } from "../notify.js"
import type { Opencode } from "../opencode/client.js"
import type { Options } from "../options.js"

/** What the modes work with: built once per OpenCode instance by the plugin. */
export type Services = {
  opencode: Opencode
  book: HandoffBook
  catalog: AgentCatalog
  notifier: Notifier
  launcher: Launcher
  options: Options
}

/** A checked call of the tool: the target agent exists, text is present, permission given. */
export type Call = {
  sessionID: string
  /** The caller's assistant message that holds this tool call. */
  messageID: string
  callerAgent: string
  agent: string
  text: string
  model?: ModelRef
  callerModel?: ModelRef
  report: boolean
}
