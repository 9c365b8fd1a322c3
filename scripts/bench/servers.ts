/**
 * The OpenCode servers the benchmark runs against: every one is the real `opencode serve`
 * with the built plugin (dist/) and the scripted model, started by the e2e harness.
 */
import { join } from "node:path"
import { REPO_ROOT, startOpencode, type Harness, type HarnessOptions } from "../../test/e2e/harness.js"
import { callSession, lines } from "../../test/e2e/script.js"
import { Tracker } from "./tracker.js"

/**
 * Four primary agents on top of the built-in build and plan: six targets in all, each with a
 * realistic one-sentence description (the tool's description names them all).
 */
export const EXTRA_AGENTS = {
  review: { mode: "primary", description: "Reviews code changes for bugs, unclear naming and missing tests before they are merged." },
  docs: { mode: "primary", description: "Writes and updates the user documentation, the README and the changelog." },
  test: { mode: "primary", description: "Writes and runs tests, then reports what fails and the likely cause." },
  debug: { mode: "primary", description: "Investigates failures from logs and stack traces until the root cause is found." },
} satisfies HarnessOptions["agents"]

export const PRIMARY_AGENTS = ["build", "plan", ...Object.keys(EXTRA_AGENTS)]

/** Figures 4 and 13's floors: a plugin whose tools only fork and prompt ("bare_fork"), or only prompt ("bare_prompt"). */
export const BARE_FORK_TOOL = join(REPO_ROOT, "scripts", "bench", "bare-fork")

/**
 * Figures 1–4: the six primary agents, INFO logs, default plugin options but `maxRunning`,
 * raised so that the fan-out figure measures all of its N forks running at once.
 */
export const MAIN_SERVER: HarnessOptions = { agents: EXTRA_AGENTS, pluginOptions: { maxRunning: 16 }, extraPlugins: [BARE_FORK_TOOL] }

/** Figure 6: the plugin's debug log line on every session.deleted tells what it still holds. */
export const MEMORY_SERVER: HarnessOptions = { agents: EXTRA_AGENTS, logLevel: "DEBUG" }

export type Server = { oc: Harness; tracker: Tracker }

/** Every harness started and not yet stopped: stopped on the way out, whatever happens. */
const running = new Set<Harness>()

export async function startServer(options: HarnessOptions): Promise<Server> {
  const oc = await startOpencode(options)
  running.add(oc)
  return { oc, tracker: new Tracker(oc) }
}

async function stop(oc: Harness): Promise<void> {
  if (!running.delete(oc)) return
  await oc.stop()
}

export async function stopServer(server: Server | undefined): Promise<void> {
  if (server) await stop(server.oc)
}

export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map(stop))
}

export async function createSession(oc: Harness, title: string): Promise<string> {
  const created = await oc.client.session.create({ body: { title } })
  if (!created.data) throw new Error(`session.create failed: ${JSON.stringify(created.error)}`)
  return created.data.id
}

/** A session whose person said something and got the answer: history a fork can copy. */
export async function sessionWithHistory({ oc, tracker }: Server, title: string, answer: string): Promise<string> {
  const id = await createSession(oc, title)
  await send(oc, id, "build", `@say ${answer}`)
  await tracker.settled(id, 1)
  return id
}

/** The person (or the bench as a test client) sends a message without waiting for the answer. */
export async function send(oc: Harness, sessionID: string, agent: string, text: string): Promise<void> {
  const sent = await oc.client.session.promptAsync({ path: { id: sessionID }, body: { agent, parts: [{ type: "text", text }] } })
  if (sent.error) throw new Error(`promptAsync failed: ${JSON.stringify(sent.error)}`)
}

/**
 * The first turns of a fresh server are several times slower (module loading, JIT, the
 * provider's first connection): one of each kind runs, unmeasured, before any figure.
 */
export async function warmUp(server: Server): Promise<void> {
  const { oc, tracker } = server
  const id = await sessionWithHistory(server, "bench warm-up", "Warming up.")
  await send(
    oc,
    id,
    "build",
    lines(
      "Warm up every mode.",
      callSession({ mode: "message", agent: "plan", text: "Warm-up hand-off." }),
      callSession({ mode: "new", agent: "review", text: "Warm-up new session." }),
      callSession({ mode: "fork", agent: "docs", text: "Warm-up fork." }),
    ),
  )
  await tracker.settled(id, 3)
  const started = (await oc.client.session.list()).data?.filter((session) => session.id !== id) ?? []
  for (const session of started) await tracker.answeredBy(session.id, session.title.includes("review") ? "review" : "docs")
}
