import type { PluginInput } from "@opencode-ai/plugin"
import type { Agent, Provider, Session } from "@opencode-ai/sdk"
import { PermissionAsk, permissionAsk, QuestionAsk, questionAsk } from "../../core/asks.js"
import type { Ask } from "../../core/life.js"
import type { ModelRef } from "../../core/protocol.js"
import { z } from "../../core/schema.js"
import { readMessages, readStored, type Stored } from "../../core/stored.js"
import { OpencodeCallError } from "./errors.js"

type Client = PluginInput["client"]

/** The server reports `hidden` on agents; the SDK's v1 type does not declare it yet. */
export type AgentInfo = Agent & { hidden?: boolean }

export type PromptInput = {
  agent: string
  text: string
  model?: ModelRef
  /** Kept on the text part, so the plugin can tell its own messages from the person's. */
  metadata: Record<string, unknown>
}

/** The parts of the configuration that hold permission rules. */
export type PermissionConfig = { permission?: unknown; agent?: Record<string, { permission?: unknown } | undefined> }

export type ToastVariant = "info" | "success" | "warning" | "error"

type Result<T> = { data?: T; error?: unknown; response?: Response }

function unwrap<T>(what: string, result: Result<T>): T {
  if (result.error !== undefined || result.data === undefined) {
    const status = result.response ? ` (HTTP ${result.response.status})` : ""
    throw new OpencodeCallError(`${what}${status}`, result.error ?? "no data in the answer", result.response?.status)
  }
  return result.data
}

/** What reaches a route the v1 client has no method for: its own transport. */
type Transport = {
  post(options: { url: string; body: unknown; headers: Record<string, string> }): Promise<Result<unknown>>
  get(options: { url: string }): Promise<Result<unknown>>
}

function isTransport(value: unknown): value is Transport {
  return typeof value === "object" && value !== null && "post" in value && typeof value.post === "function" && "get" in value && typeof value.get === "function"
}

function transportOf(client: object): Transport | undefined {
  const transport: unknown = Reflect.get(client, "_client")
  return isTransport(transport) ? transport : undefined
}

/**
 * The one adapter over the OpenCode client: every server call the plugin makes goes through
 * here, and comes back as parsed, typed data or as an `OpencodeCallError` that says which call
 * failed. Messages come back read (core/stored.ts): a record of the plugin's on them that does
 * not parse is left out, and the log says which.
 */
export class Opencode {
  constructor(private readonly client: Client) {}

  async agents(): Promise<AgentInfo[]> {
    return unwrap("listing agents", await this.client.app.agents())
  }

  /** Configured providers, and the default model of each (`{ providerID: modelID }`). */
  async providers(): Promise<{ providers: Provider[]; default: Record<string, string> }> {
    return unwrap("listing providers", await this.client.config.providers())
  }

  /** The merged configuration, as OpenCode resolved it (permission rules, agents). */
  async config(): Promise<PermissionConfig> {
    return unwrap("reading the configuration", await this.client.config.get())
  }

  /** The model that wrote one assistant message (older releases do not pass it to tools). */
  async messageModel(sessionID: string, messageID: string): Promise<ModelRef | undefined> {
    const info = readStored(unwrap(`reading message ${messageID}`, await this.client.session.message({ path: { id: sessionID, messageID } }))).message?.info
    return info?.providerID && info.modelID ? { providerID: info.providerID, modelID: info.modelID } : undefined
  }

  /** A session's record; `permission` holds its own rules (OpenCode 1.1 and later; the v1 type omits it). */
  async session(sessionID: string): Promise<Session & { permission?: unknown }> {
    return unwrap(`reading session ${sessionID}`, await this.client.session.get({ path: { id: sessionID } }))
  }

  /**
   * Moves a session to another directory of the same project (a worktree): its tools then run
   * there. OpenCode 1.17+; the v1 client has no method for the route, so it is posted through
   * the client's own transport. Never with `moveChanges`, which wipes the source's edits.
   */
  async moveSession(sessionID: string, directory: string): Promise<void> {
    const transport = transportOf(this.client)
    if (!transport) throw new OpencodeCallError(`moving session ${sessionID}`, "this OpenCode's client has no transport for the route")
    const result = await transport.post({
      url: "/experimental/control-plane/move-session",
      body: { sessionID, destination: { directory } },
      headers: { "Content-Type": "application/json" },
    })
    const status = result.response?.status
    if (status !== 204 && status !== 200)
      throw new OpencodeCallError(`moving session ${sessionID} to ${directory} (HTTP ${status ?? "none"})`, result.error ?? "no answer", status)
  }

  /**
   * What sessions ask the person now and wait on (permission asks and questions), as OpenCode
   * lists them (1.1 and later); undefined where it has no such list (1.0).
   */
  async pendingAsks(): Promise<Array<{ sessionID: string; ask: Ask }> | undefined> {
    const transport = transportOf(this.client)
    if (!transport) return undefined
    const [permissions, questions] = await Promise.all([transport.get({ url: "/permission" }), transport.get({ url: "/question" })])
    const listed = (result: Result<unknown>) => (result.response?.ok ? z.array(z.unknown()).safeParse(result.data).data : undefined)
    const [asked, questioned] = [listed(permissions), listed(questions)]
    if (!asked) return undefined
    const pending = asked.flatMap((item) => {
      const parsed = PermissionAsk.safeParse(item)
      return parsed.success ? [{ sessionID: parsed.data.sessionID, ask: permissionAsk(parsed.data) }] : []
    })
    for (const item of questioned ?? []) {
      const parsed = QuestionAsk.safeParse(item)
      if (parsed.success) pending.push({ sessionID: parsed.data.sessionID, ask: questionAsk(parsed.data) })
    }
    return pending
  }

  /** Unloads OpenCode's instance for a directory (its watchers, its copy of the plugins). */
  async disposeInstance(directory: string): Promise<void> {
    unwrap(`unloading OpenCode's instance for ${directory}`, await this.client.instance.dispose({ query: { directory } }))
  }

  async createSession(title: string): Promise<Session> {
    return unwrap("creating a session", await this.client.session.create({ body: { title } }))
  }

  async forkSession(sessionID: string, beforeMessageID: string): Promise<Session> {
    return unwrap(`forking session ${sessionID}`, await this.client.session.fork({ path: { id: sessionID }, body: { messageID: beforeMessageID } }))
  }

  async deleteSession(sessionID: string): Promise<void> {
    unwrap(`deleting session ${sessionID}`, await this.client.session.delete({ path: { id: sessionID } }))
  }

  /** Aborts the session's running turn (OpenCode's own interrupt); a session with none just goes idle again. */
  async abort(sessionID: string): Promise<void> {
    unwrap(`stopping session ${sessionID}`, await this.client.session.abort({ path: { id: sessionID } }))
  }

  async setTitle(sessionID: string, title: string): Promise<void> {
    unwrap(`renaming session ${sessionID}`, await this.client.session.update({ path: { id: sessionID }, body: { title } }))
  }

  /** Sends a message and waits until the agent's whole run in that session has ended: its last answer. */
  async prompt(sessionID: string, input: PromptInput): Promise<Stored> {
    const result = await this.client.session.prompt({
      path: { id: sessionID },
      body: {
        agent: input.agent,
        model: input.model,
        parts: [{ type: "text", text: input.text, metadata: input.metadata }],
      },
    })
    const answer = readStored(unwrap(`delivering to session ${sessionID} (agent ${input.agent})`, result))
    for (const why of answer.skipped) this.skipped(sessionID, why)
    if (!answer.message) throw new OpencodeCallError(`delivering to session ${sessionID} (agent ${input.agent})`, "the answer does not parse")
    return answer.message
  }

  /**
   * Stores a message without starting a turn. Into a running turn it joins that turn: OpenCode's
   * loop reads the session again after each step and goes on while a newer user message waits.
   */
  async store(sessionID: string, input: PromptInput): Promise<void> {
    const result = await this.client.session.prompt({
      path: { id: sessionID },
      body: {
        agent: input.agent,
        model: input.model,
        noReply: true,
        parts: [{ type: "text", text: input.text, metadata: input.metadata }],
      },
    })
    unwrap(`handing over in session ${sessionID} (agent ${input.agent})`, result)
  }

  async summarize(sessionID: string, model: ModelRef): Promise<void> {
    unwrap(
      `compacting session ${sessionID}`,
      await this.client.session.summarize({ path: { id: sessionID }, body: { providerID: model.providerID, modelID: model.modelID } }),
    )
  }

  /** A session's messages, oldest first; with `limit`, only the newest `limit` of them. */
  async messages(sessionID: string, limit?: number): Promise<Stored[]> {
    const raw = unwrap(
      `reading messages of session ${sessionID}`,
      await this.client.session.messages({ path: { id: sessionID }, query: limit ? { limit } : undefined }),
    )
    return readMessages(raw, (why) => this.skipped(sessionID, why))
  }

  /** A record of the plugin's that does not parse is left out; OpenCode's log says which. */
  private skipped(sessionID: string, why: string): void {
    this.log("warn", `A record in session ${sessionID} was skipped: ${why}`, { sessionID }).catch((error: unknown) =>
      console.error(`opencode-sessions: in session ${sessionID}, skipped ${why}; could not log it: ${String(error)}`),
    )
  }

  async statuses(): Promise<Record<string, { type: string }>> {
    return unwrap("reading session status", await this.client.session.status())
  }

  async toast(message: string, variant: ToastVariant): Promise<void> {
    unwrap("showing a toast", await this.client.tui.showToast({ body: { title: "session", message, variant } }))
  }

  async log(level: "debug" | "info" | "warn" | "error", message: string, extra?: Record<string, unknown>): Promise<void> {
    unwrap("writing to the log", await this.client.app.log({ body: { service: "opencode-sessions", level, message, extra } }))
  }
}
