import type { Plugin } from "@opencode-ai/plugin"
import { loadSafely } from "./server/load.js"

/**
 * The server plugin. A plain function as the only export is the one module shape every
 * OpenCode release loads: 1.0–1.3 call every export as a plugin function (an object export
 * stops 1.0/1.1 from starting), later releases accept it beside their `{ id, server }` form.
 */
const OpencodeSessions: Plugin = async (input, options) => loadSafely(input, options)

export default OpencodeSessions
