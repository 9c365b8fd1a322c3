/**
 * Starts a real `opencode serve` (the pinned opencode-ai binary) in a scratch project with
 * this package loaded as a plugin and the scripted model as its only provider, and gives
 * tests what they need to drive it: an SDK client, every event the server publishes, waits
 * that resolve on those events (never on a fixed sleep), and a readable transcript. Its pieces:
 * project.ts (the scratch project), server-process.ts (the process), event-stream.ts (events),
 * wait-for.ts (waits), render-transcript.ts (transcripts).
 */
import { rmSync } from "node:fs"
import { createOpencodeClient, type Event, type OpencodeClient } from "@opencode-ai/sdk"
import { prepareProject, type HarnessOptions } from "./project.js"
import { renderTranscript } from "./render-transcript.js"
import { startScriptedModel, type ScriptedModel } from "./scripted-model.js"
import { freePort, haltServer, launchServer } from "./server-process.js"
import { waitsOn, type WaitFor } from "./wait-for.js"

export { OPENCODE_BIN, pluginSpec, prepareProject, REPO_ROOT, type AgentConfig, type HarnessOptions, type ScratchProject } from "./project.js"
export { renderTranscript } from "./render-transcript.js"
export { freePort, signalGroup } from "./server-process.js"

export type StoredMessage = Awaited<ReturnType<OpencodeClient["session"]["messages"]>>["data"] extends Array<infer M> | undefined ? M : never

export type Harness = {
  client: OpencodeClient
  model: ScriptedModel
  url: string
  projectDir: string
  events: Event[]
  /** Everything the server printed (its log lines included). */
  output(): string
  /** Resolves once `check` returns a truthy value; re-checked on every event and on a slow poll. */
  waitFor: WaitFor
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

  const launch = (on = port) =>
    launchServer({ port: on, project, env, options }, output, (event) => {
      events.push(event)
      notify()
    })

  let running = await launch()
  const url = running.url
  const client = createOpencodeClient({ baseUrl: url, directory: project })

  const waitFor = waitsOn(listeners)

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
      await haltServer(running)
      running = await launch()
    },
    async twin() {
      const other = await launch(await freePort())
      return { url: other.url, stop: () => haltServer(other) }
    },
    pid: () => running.server.pid,
    async stop() {
      await haltServer(running)
      await model.close()
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    },
  }
  return harness
}
