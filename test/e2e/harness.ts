/**
 * Starts a real `opencode serve` (the pinned opencode-ai binary) in a scratch project with
 * this package loaded as a plugin and the scripted model as its only provider, and gives
 * tests what they need to drive it: an SDK client, every event the server publishes, waits
 * that resolve on those events (never on a fixed sleep), and a readable transcript.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { createOpencodeClient, type Event, type OpencodeClient } from "@opencode-ai/sdk"
import { startScriptedModel, type ScriptedModel } from "./scripted-model.js"

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

export type StoredMessage = Awaited<ReturnType<OpencodeClient["session"]["messages"]>>["data"] extends
  | Array<infer M>
  | undefined
  ? M
  : never

export type Harness = {
  client: OpencodeClient
  model: ScriptedModel
  url: string
  projectDir: string
  events: Event[]
  /** Everything the server printed (its log lines included). */
  output(): string
  /** Resolves once `check` returns a truthy value; re-checked on every event and on a slow poll. */
  waitFor<T>(description: string, check: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>
  waitForEvent(description: string, match: (event: Event) => boolean, timeoutMs?: number): Promise<Event>
  /** Creates a session and sends the person's text to it without waiting for the answer. */
  startSession(text: string, agent?: string, title?: string): Promise<string>
  /** Sends the person's text to a session and waits until the session is idle again. */
  say(sessionID: string, text: string, agent?: string): Promise<void>
  messages(sessionID: string): Promise<StoredMessage[]>
  /** Waits until the session is idle and has no more hand-offs queued (quiet for `settleMs`). */
  waitIdle(sessionID: string, timeoutMs?: number): Promise<void>
  transcript(sessionIDs?: string[]): Promise<string>
  /** Stops OpenCode and starts it again on the same data, port and project (its memory is gone). */
  restart(): Promise<void>
  /** Starts a second OpenCode on the same data and project (another port), as a person's second window would be. */
  twin(): Promise<{ url: string; stop(): Promise<void> }>
  stop(): Promise<void>
  /** The running server's process id, which is also its process group's (it is started detached). */
  pid(): number | undefined
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

export async function startOpencode(options: HarnessOptions = {}): Promise<Harness> {
  const model = await startScriptedModel()
  const { root, project, env } = prepareProject(model, options)
  // `--port 0` makes OpenCode fall back to 4096, so pick a free port ourselves. A restart
  // reuses it, so the client and URL stay valid.
  const port = await freePort()
  const output: string[] = []
  const events: Event[] = []
  const listeners = new Set<() => void>()
  const notify = () => listeners.forEach((listener) => listener())

  const halt = async ({ server, subscription }: { server: ChildProcess; subscription: AbortController }) => {
    subscription.abort()
    await new Promise<void>((resolveExit) => {
      if (server.exitCode !== null) return resolveExit()
      server.once("exit", () => resolveExit())
      signalGroup(server, "SIGTERM")
      setTimeout(() => signalGroup(server, "SIGKILL"), 5_000).unref()
    })
  }

  const launch = async (on = port) => {
    // Its own process group: some releases' `opencode` is a launcher that starts the real
    // binary as a child, and stopping only the launcher would leave that server running.
    const server: ChildProcess = spawn(OPENCODE_BIN, ["serve", "--port", String(on), "--hostname", "127.0.0.1", "--print-logs", "--log-level", options.logLevel ?? "INFO"], {
      cwd: project,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    })
    const printedBefore = output.length
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`opencode serve did not print its address:\n${output.join("")}`)), 60_000)
      const onData = (data: Buffer) => {
        const text = data.toString()
        output.push(text)
        if (options.verbose) process.stderr.write(text)
        const found = /listening on (http:\/\/[\d.]+:\d+)/.exec(output.slice(printedBefore).join(""))
        if (found?.[1]) {
          clearTimeout(timer)
          resolveUrl(found[1])
        }
      }
      server.stdout?.on("data", onData)
      server.stderr?.on("data", onData)
      server.once("exit", (code) => reject(new Error(`opencode serve exited (${code}):\n${output.join("")}`)))
    })
    const subscription = new AbortController()
    try {
      await waitUntilServing(url, project)
      await subscribeEvents(url, project, subscription.signal, (event) => {
        events.push(event)
        notify()
      })
    } catch (error) {
      await halt({ server, subscription })
      throw error
    }
    return { server, url, subscription }
  }

  let running = await launch()
  const url = running.url
  const client = createOpencodeClient({ baseUrl: url, directory: project })

  const waitFor: Harness["waitFor"] = (description, check, timeoutMs = 30_000) =>
    new Promise((resolveWait, reject) => {
      let settled = false
      let running = false
      let again = false
      const finish = (error?: Error, value?: unknown) => {
        if (settled) return
        settled = true
        listeners.delete(evaluate)
        clearInterval(poll)
        clearTimeout(timer)
        if (error) reject(error)
        else resolveWait(value as never)
      }
      const evaluate = () => {
        if (settled) return
        if (running) {
          again = true
          return
        }
        running = true
        Promise.resolve()
          .then(check)
          .then(
            (value) => {
              running = false
              if (value) finish(undefined, value)
              else if (again) {
                again = false
                evaluate()
              }
            },
            (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
          )
      }
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`)), timeoutMs)
      // A slow poll as a safety net for conditions no event announces (e.g. a message count).
      const poll = setInterval(evaluate, 1_000)
      listeners.add(evaluate)
      evaluate()
    })

  const messages = async (sessionID: string) => {
    const result = await client.session.messages({ path: { id: sessionID } })
    if (result.error) throw new Error(`messages of ${sessionID} failed: ${JSON.stringify(result.error)}`)
    return result.data ?? []
  }

  const isIdle = async (sessionID: string) => {
    const status = await client.session.status()
    const entry = (status.data as Record<string, { type: string }> | undefined)?.[sessionID]
    return !entry || entry.type === "idle"
  }

  const harness: Harness = {
    client,
    model,
    url,
    projectDir: project,
    events,
    output: () => output.join(""),
    waitFor,
    waitForEvent: (description, match, timeoutMs) => {
      const seen = events.length
      return waitFor(description, () => events.slice(seen).find(match), timeoutMs)
    },
    async startSession(text, agent, title) {
      const created = await client.session.create({ body: { title: title ?? "e2e" } })
      if (!created.data) throw new Error(`session.create failed: ${JSON.stringify(created.error)}`)
      const sent = await client.session.promptAsync({
        path: { id: created.data.id },
        body: { agent, parts: [{ type: "text", text }] },
      })
      if (sent.error) throw new Error(`promptAsync failed: ${JSON.stringify(sent.error)}`)
      return created.data.id
    },
    async say(sessionID, text, agent) {
      const sent = await client.session.prompt({ path: { id: sessionID }, body: { agent, parts: [{ type: "text", text }] } })
      if (sent.error) throw new Error(`prompt failed: ${JSON.stringify(sent.error)}`)
    },
    messages,
    async waitIdle(sessionID, timeoutMs = 30_000) {
      await waitFor(`session ${sessionID} idle`, () => isIdle(sessionID), timeoutMs)
    },
    transcript: (sessionIDs) => renderTranscript(client, sessionIDs),
    async restart() {
      await halt(running)
      running = await launch()
    },
    async twin() {
      const other = await launch(await freePort())
      return { url: other.url, stop: () => halt(other) }
    },
    pid: () => running.server.pid,
    async stop() {
      await halt(running)
      await model.close()
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    },
  }
  return harness
}

/** Signals the server and everything it started (its process group); falls back to the server alone. */
export function signalGroup(server: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (server.pid) process.kill(-server.pid, signal)
    else server.kill(signal)
  } catch (error) {
    // ESRCH: the group is gone already. Anything else: at least stop the server itself.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") server.kill(signal)
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))))
    })
  })
}

/** The first request makes OpenCode bootstrap the project; one sent too early can hang. */
async function waitUntilServing(url: string, directory: string) {
  const deadline = Date.now() + 90_000
  let lastError = ""
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/agent?directory=${encodeURIComponent(directory)}`, {
        signal: AbortSignal.timeout(5_000),
      })
      if (response.ok) return
      lastError = `HTTP ${response.status}`
    } catch (error) {
      lastError = String(error)
    }
    await new Promise((resolveRetry) => setTimeout(resolveRetry, 250))
  }
  throw new Error(`opencode server at ${url} never became ready: ${lastError}`)
}

/** Reads the server's SSE event stream; resolves once the stream is connected. */
async function subscribeEvents(url: string, directory: string, signal: AbortSignal, onEvent: (event: Event) => void) {
  // Right after a start the first connection can be reset while the project boots: try again.
  let response: Response | undefined
  for (let attempt = 1; !response; attempt++) {
    try {
      response = await fetch(`${url}/event?directory=${encodeURIComponent(directory)}`, { signal })
    } catch (error) {
      if (attempt >= 5 || signal.aborted) throw error
      await new Promise((resolveRetry) => setTimeout(resolveRetry, 250))
    }
  }
  if (!response.ok || !response.body) throw new Error(`event stream failed: HTTP ${response.status}`)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  const pump = async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let boundary = buffer.indexOf("\n\n")
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary)
        buffer = buffer.slice(boundary + 2)
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trim())
          .join("\n")
        if (data) onEvent(JSON.parse(data) as Event)
        boundary = buffer.indexOf("\n\n")
      }
    }
  }
  pump().catch((error: unknown) => {
    if (!signal.aborted) process.stderr.write(`e2e harness: event stream ended: ${String(error)}\n`)
  })
}

/** Every session (or the given ones): who said what, in order. Printed when a test fails. */
export async function renderTranscript(client: OpencodeClient, sessionIDs?: string[]): Promise<string> {
  const ids = sessionIDs ?? ((await client.session.list()).data ?? []).map((s) => s.id).reverse()
  const lines: string[] = []
  for (const id of ids) {
    const session = (await client.session.get({ path: { id } })).data
    lines.push(`── session ${id} "${session?.title ?? "?"}"${session?.parentID ? ` (child of ${session.parentID})` : ""}`)
    for (const message of (await client.session.messages({ path: { id } })).data ?? []) {
      const info = message.info
      const who = info.role === "user" ? `user→${info.agent}` : `${info.mode ?? "?"}${info.summary ? " (summary)" : ""}`
      const error = info.role === "assistant" && info.error ? ` [error: ${info.error.name}]` : ""
      for (const part of message.parts) {
        if (part.type === "text") lines.push(`  ${who}: ${part.text.replace(/\s+/g, " ").slice(0, 160)}${error}`)
        else if (part.type === "tool") {
          const state = part.state
          const detail = state.status === "completed" ? state.output : state.status === "error" ? state.error : ""
          lines.push(`  ${who}: [tool ${part.tool} ${state.status}] ${JSON.stringify(state.input)} → ${String(detail).replace(/\s+/g, " ").slice(0, 200)}`)
        } else if (part.type === "compaction") lines.push(`  ${who}: [compaction]`)
      }
      if (message.parts.length === 0 && error) lines.push(`  ${who}:${error}`)
    }
  }
  return lines.join("\n")
}
