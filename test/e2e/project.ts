/**
 * A scratch project for a test OpenCode: its config (the scripted model as the only provider,
 * this plugin by path or installed by name), and an environment that keeps every XDG folder
 * in scratch space, so no test touches a person's own sessions.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { ScriptedModel } from "./scripted-model.js"

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
/** The OpenCode under test: the pinned one, or another release (`OPENCODE_BIN`, see test/compat). */
export const OPENCODE_BIN = process.env.OPENCODE_BIN || join(REPO_ROOT, "node_modules", ".bin", "opencode")

export type AgentConfig = {
  description?: string
  mode?: "primary" | "subagent" | "all"
  prompt?: string
  disable?: boolean
  hidden?: boolean
  model?: string
  permission?: Record<string, unknown>
}

export type HarnessOptions = {
  /** Agents added to opencode.json (built-ins stay). */
  agents?: Record<string, AgentConfig>
  /** Markdown agents written to the (scratch) global config folder, `opencode/agent/<name>.md`. */
  markdownAgents?: Record<string, string>
  permission?: Record<string, unknown>
  /** Plugin options: passed through the `[path, options]` tuple form when given. */
  pluginOptions?: Record<string, unknown>
  /** Models of the scripted provider; the first is the default. */
  models?: string[]
  /** Print the server's output (for debugging a test). */
  verbose?: boolean
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR"
  /** Run on the project folder once its config is written, before OpenCode starts (make it a git repository, say). */
  prepare?: (project: string) => void
  /**
   * Load the plugin as people do: by name (`spec`, default "opencode-sessions"), installed by
   * OpenCode itself from this registry into a fresh cache. Otherwise the checkout is loaded by path.
   */
  install?: { registry: string; spec?: string }
  /** Further plugins, by path (the benchmark's floor tools). */
  extraPlugins?: string[]
  /** More environment for OpenCode (and so for the plugin). */
  env?: Record<string, string>
}

function freshScratch(): { root: string; project: string } {
  const root = mkdtempSync(join(tmpdir(), "opencode-sessions-e2e-"))
  const project = join(root, "project")
  mkdirSync(project, { recursive: true })
  return { root, project }
}

/** A scratch project for a test OpenCode: its config (scripted model, this plugin), and the environment that keeps every XDG folder in scratch space. */
export type ScratchProject = { root: string; project: string; env: NodeJS.ProcessEnv }

/** How opencode.json (and tui.json) name the plugin: by name from a registry, or by path. */
export function pluginSpec(options: HarnessOptions): string {
  if (options.install) return options.install.spec ?? "opencode-sessions"
  // The package as npm would ship it, when a run asks for that (test:compat), else this checkout.
  return `file://${process.env.OPENCODE_SESSIONS_PACKAGE || REPO_ROOT}`
}

export function prepareProject(model: ScriptedModel, options: HarnessOptions = {}): ScratchProject {
  const { root, project } = freshScratch()
  const models = options.models ?? ["model-1"]
  const pluginPath = pluginSpec(options)
  const config = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: {
      scripted: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted",
        options: { baseURL: model.url, apiKey: "not-needed" },
        models: Object.fromEntries(models.map((id) => [id, { name: `Scripted ${id}` }])),
      },
    },
    model: `scripted/${models[0]}`,
    small_model: `scripted/${models[0]}`,
    agent: options.agents ?? {},
    permission: options.permission ?? {},
    plugin: [options.pluginOptions ? [pluginPath, options.pluginOptions] : pluginPath, ...(options.extraPlugins ?? []).map((path) => `file://${path}`)],
  }
  writeFileSync(join(project, "opencode.json"), JSON.stringify(config, null, 2))
  const xdg = (name: string) => join(root, name)
  for (const [name, body] of Object.entries(options.markdownAgents ?? {})) {
    mkdirSync(join(xdg("config"), "opencode", "agent"), { recursive: true })
    writeFileSync(join(xdg("config"), "opencode", "agent", `${name}.md`), body)
  }

  const env = {
    ...process.env,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    // Older releases install their built-in auth plugins from npm at start-up otherwise.
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    XDG_DATA_HOME: xdg("data"),
    XDG_CONFIG_HOME: xdg("config"),
    XDG_STATE_HOME: xdg("state"),
    // A fresh cache for an install by name, as a new user has: OpenCode installs plugins there.
    XDG_CACHE_HOME: options.install ? xdg("cache") : join(REPO_ROOT, ".scratch", "xdg-cache"),
    ...(options.install ? { npm_config_registry: options.install.registry } : {}),
    ...options.env,
  }
  options.prepare?.(project)
  return { root, project, env }
}
