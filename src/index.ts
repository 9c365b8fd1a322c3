import type { Plugin, PluginModule } from "@opencode-ai/plugin"
import { createSessionsPlugin } from "./plugin.js"

const server: Plugin = async (input, options) => createSessionsPlugin(input, options)

// OpenCode reads a default export with `id` and `server` as one plugin; a path-loaded plugin
// in this form needs the `id`.
const plugin: PluginModule & { id: string } = { id: "opencode-sessions", server }

export default plugin
