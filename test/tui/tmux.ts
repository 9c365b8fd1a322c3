/**
 * The real OpenCode TUI in a tmux session: a scratch project with this package as both its
 * server plugin (opencode.json) and TUI plugin (tui.json), by path or installed by name (see
 * HarnessOptions.install), and the scripted model. Waits read
 * the screen (capture-pane) until the text appears, never a fixed sleep.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { OPENCODE_BIN, pluginSpec, prepareProject, type HarnessOptions } from "../e2e/harness.js"
import { startScriptedModel, type ScriptedModel } from "../e2e/scripted-model.js"

/** Everything OpenCode wrote to its log files (in the scratch data folder) so far. */
export function opencodeLog(env: NodeJS.ProcessEnv): string {
  const folder = join(env.XDG_DATA_HOME!, "opencode", "log")
  if (!existsSync(folder)) return ""
  return readdirSync(folder)
    .map((name) => readFileSync(join(folder, name), "utf8"))
    .join("\n")
}

/** Resolves with OpenCode's log once it shows `what` (OpenCode writes its log a moment after it acts). */
export async function waitForLog(env: NodeJS.ProcessEnv, what: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const log = opencodeLog(env)
    if (what.test(log)) return log
    if (Date.now() > deadline) throw new Error(`OpenCode's log never showed ${String(what)} within ${timeoutMs} ms. Log:\n${log.slice(-4000)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export type Tui = {
  /** The environment the TUI's OpenCode runs with (its scratch XDG folders). */
  env: NodeJS.ProcessEnv
  screen(): string
  type(text: string): void
  keys(...keys: string[]): void
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>
  waitGone(what: string, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8" })
}

/** Resolves once process `pid` has ended, or after `timeoutMs` (then the folder removal retries). */
async function exited(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return
      throw error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function startTui(options: HarnessOptions = {}): Promise<Tui> {
  try {
    tmux("-V")
  } catch {
    throw new Error("tmux is needed for the TUI test: install it (apt-get install tmux)")
  }
  const model: ScriptedModel = await startScriptedModel()
  const { root, project, env } = prepareProject(model, options)
  writeFileSync(join(project, "tui.json"), JSON.stringify({ $schema: "https://opencode.ai/tui.json", plugin: [pluginSpec(options)] }))
  const name = `opencode-sessions-${process.pid}-${Date.now()}`
  const exports = Object.entries(env)
    .filter(([key]) => key.startsWith("XDG_") || key.startsWith("OPENCODE_") || key === "npm_config_registry")
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(" ")
  // Wide enough for the sidebar; the TUI's own log stays in the scratch data folder.
  tmux("new-session", "-d", "-s", name, "-x", "180", "-y", "48", "-c", project, `env ${exports} ${OPENCODE_BIN}`)
  const opencodePid = Number(tmux("display-message", "-p", "-t", name, "#{pane_pid}").trim())
  const screen = () => tmux("capture-pane", "-p", "-t", name)
  const tui: Tui = {
    env,
    screen,
    type: (text) => void tmux("send-keys", "-t", name, "-l", text),
    keys: (...keys) => void tmux("send-keys", "-t", name, ...keys),
    async waitFor(what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const shown = screen()
        if (typeof what === "string" ? shown.includes(what) : what.test(shown)) return shown
        if (Date.now() > deadline) throw new Error(`the TUI never showed ${String(what)} within ${timeoutMs} ms. Screen:\n${shown}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    async waitGone(what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (screen().includes(what)) {
        if (Date.now() > deadline) throw new Error(`the TUI still shows ${what} after ${timeoutMs} ms. Screen:\n${screen()}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    async stop() {
      try {
        tmux("kill-session", "-t", name)
        // Closing the pane only signals OpenCode: it may still be writing its scratch folders.
        await exited(opencodePid, 10_000)
      } finally {
        await model.close()
        rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
      }
    },
  }
  return tui
}
