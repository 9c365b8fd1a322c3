import type { TuiPluginApi } from "@opencode-ai/plugin/tui"
import { PACKAGE_NAME } from "../core/protocol.js"

export type Report = (what: string, error: unknown) => void

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Tells the person of a problem in the TUI part: a toast, and a line in OpenCode's log. Once
 * per distinct problem, never in a loop on every refresh.
 */
export function reporter(api: TuiPluginApi): Report {
  const said = new Set<string>()
  return (what, error) => {
    const message = `${PACKAGE_NAME}: ${what}: ${describe(error)}`
    if (said.has(message)) return
    said.add(message)
    api.ui.toast({ variant: "error", title: "session", message })
    void log(api, "error", message)
  }
}

/** A line in OpenCode's log; if even that fails, stderr is all that is left. */
export async function log(api: TuiPluginApi, level: "info" | "error", message: string): Promise<void> {
  try {
    const result = await api.client.app.log({ service: PACKAGE_NAME, level, message })
    if (result.error) throw new Error(JSON.stringify(result.error))
  } catch (error) {
    console.error(`${PACKAGE_NAME}: could not write to OpenCode's log ("${message}"): ${describe(error)}`)
  }
}
