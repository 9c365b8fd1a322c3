/**
 * Figure 5 — plugin start-up: the time the plugin's factory (the default export of the built
 * dist/index.js, called as `(input, options)`) takes, in this process, with a fake client that records every call.
 * OpenCode is not serving yet while plugin factories run, so the factory must call nothing.
 */
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { performance } from "node:perf_hooks"
import type { Plugin, PluginInput } from "@opencode-ai/plugin"
import { REPO_ROOT } from "../../test/e2e/harness.js"
import type { Measured } from "./report.js"
import { median, p95 } from "./stats.js"

const REPEATS = 200
const MAX_MEDIAN_MS = 5

/**
 * Stands in for anything in the plugin's input: every property is another recorder, and
 * calling one records the path (e.g. `client.session.list`) as a server call. `then` is not
 * there, so awaiting a recorder does not count as a call.
 */
function recorder(calls: string[], path: string): unknown {
  return new Proxy(function () {}, {
    get(_target, property) {
      if (property === "then" || typeof property === "symbol") return undefined
      return recorder(calls, `${path}.${property}`)
    },
    apply() {
      calls.push(path)
      return Promise.resolve({ data: undefined, error: { recorded: path } })
    },
    construct() {
      calls.push(`new ${path}`)
      return {}
    },
  })
}

function fakeInput(calls: string[]): PluginInput {
  const input = {
    client: recorder(calls, "client"),
    project: { id: "bench", worktree: REPO_ROOT, time: { created: Date.now() } },
    directory: REPO_ROOT,
    worktree: REPO_ROOT,
    serverUrl: new URL("http://127.0.0.1:1"),
    $: recorder(calls, "$"),
  }
  return input as unknown as PluginInput
}

export async function startup(): Promise<Measured> {
  const importStart = performance.now()
  const module = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as { default: Plugin }
  const importMs = performance.now() - importStart
  const factory = module.default
  const calls: string[] = []
  const times: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    const input = fakeInput(calls)
    const start = performance.now()
    const hooks = await factory(input, i % 2 === 0 ? undefined : { maxAutomaticHandoffs: 8, toasts: true, report: false })
    times.push(performance.now() - start)
    if (!hooks.tool?.session) throw new Error("the factory returned no session tool")
  }
  // A call the factory started without awaiting would land here, after it resolved.
  await new Promise((resolve) => setImmediate(resolve))
  const value = median(times)
  return {
    title: "Plugin start-up",
    rows: [
      { figure: `plugin factory, median of ${REPEATS} (ms)`, value, target: `< ${MAX_MEDIAN_MS} ms`, ok: value < MAX_MEDIAN_MS },
      { figure: "server calls during the factory", value: calls.length, target: "0", ok: calls.length === 0 },
    ],
    details: {
      unit: "ms",
      median: value,
      p95: p95(times),
      first: times[0],
      max: Math.max(...times),
      moduleImportMs: importMs,
      calls: [...new Set(calls)],
    },
  }
}
