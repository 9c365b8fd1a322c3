import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { describeError } from "./host/errors.js"
import { createSessionsPlugin } from "./plugin.js"

/**
 * Builds the plugin's hooks without ever throwing into OpenCode: a release that cannot run
 * the plugin still starts, with its other plugins, and the problem is written to stderr
 * (which OpenCode keeps in its log). Nothing here may call the server: it is not serving yet.
 */
export function loadSafely(input: Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory" | "worktree">>, options?: unknown): Hooks {
  try {
    return createSessionsPlugin(input, options)
  } catch (error) {
    console.error(`opencode-sessions: not loaded, the session tool is off: ${describeError(error)}`)
    return {}
  }
}
