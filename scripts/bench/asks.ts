/**
 * Figure 14 — asks: a caller starts a session whose agent must ask the person before it runs a
 * command (`"permission": {"bash": "ask"}`), and waits in the same turn (timeout 120 s).
 * Measured: the ask (`permission.asked`, stamped with `Date.now()` here as it arrives) → the
 * caller's `wait` returning (its tool part's `state.time.end`, OpenCode's timestamp: the same
 * machine's clock), and the ask → the plugin's toast naming it (`tui.toast.show`, stamped as it
 * arrives). Each round's ask is then rejected, as a person would, so nothing is left waiting.
 */
import type { Event } from "@opencode-ai/sdk"
import type { Harness, HarnessOptions } from "../../test/e2e/harness.js"
import { callSession, lines, sessionToolParts, toolOutcome } from "../../test/e2e/script.js"
import type { Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, spread } from "./stats.js"

const ROUNDS = 9
const MAX_WAIT_MS = 1_000
const MAX_TOAST_MS = 500

/** Figure 14's server: one agent that asks the person before each command. */
export const ASK_SERVER: HarnessOptions = {
  agents: { worker: { mode: "primary", description: "Runs commands, each asked of the person first.", permission: { bash: "ask" } } },
}

type Stamped = { event: Event; at: number }

/** Resolves with the first event from `since` on that matches, and when it arrived; to be called before it can arrive. */
function firstArriving(oc: Harness, since: number, what: string, match: (event: Event) => boolean): Promise<Stamped> {
  let found: Stamped | undefined
  const arrived = oc.waitFor(
    what,
    () => {
      const event = found ? undefined : oc.events.slice(since).find(match)
      if (event) found = { event, at: Date.now() }
      return found
    },
    60_000,
  )
  void arrived.catch(() => undefined)
  return arrived
}

const properties = (event: Event) => event.properties as unknown as { id?: string; sessionID?: string; message?: string }

export async function asks(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const waits: number[] = []
  const toasts: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const caller = await createSession(oc, `bench ask ${round}`)
    const since = oc.events.length
    const asked = firstArriving(oc, since, "the ask", (event) => event.type === ("permission.asked" as string))
    const toasted = firstArriving(
      oc,
      since,
      "the ask's toast",
      (event) => event.type === "tui.toast.show" && (properties(event).message ?? "").includes("waits for you"),
    )
    const job = lines(`Job ${round}.`, `@bash echo bench-ask-${round}`)
    await send(
      oc,
      caller,
      "build",
      lines(`Round ${round}.`, callSession({ mode: "new", agent: "worker", text: job }), `@after-tool ${callSession({ mode: "wait", timeout: 120 })}`),
    )
    const [ask, toast] = await Promise.all([asked, toasted])
    await tracker.settled(caller, 1)
    const waited = sessionToolParts(await oc.messages(caller)).find((part) => part.state.input.mode === "wait")
    if (waited?.state.status !== "completed" || !waited.state.output.includes("asks the person"))
      throw new Error(`the wait did not return naming the ask: ${waited ? toolOutcome(waited).text : "no wait call"}`)
    waits.push(waited.state.time.end - ask.at)
    toasts.push(toast.at - ask.at)
    await reject(oc, properties(ask.event).id ?? "")
  }
  const wait = median(waits)
  const toast = median(toasts)
  return {
    title: "Asks",
    rows: [
      { figure: `ask → the caller's wait returns, median of ${ROUNDS} (ms)`, value: wait, target: `≤ ${MAX_WAIT_MS} ms`, ok: wait <= MAX_WAIT_MS },
      { figure: "  p95 (ms)", value: p95(waits), target: "(context)" },
      { figure: `ask → the toast naming it, median of ${ROUNDS} (ms)`, value: toast, target: `≤ ${MAX_TOAST_MS} ms`, ok: toast <= MAX_TOAST_MS },
      { figure: "  p95 (ms)", value: p95(toasts), target: "(context)" },
    ],
    details: { unit: "ms", wait: spread(waits), toast: spread(toasts) },
  }
}

async function reject(oc: Harness, id: string): Promise<void> {
  const response = await fetch(`${oc.url}/permission/${id}/reply?directory=${encodeURIComponent(oc.projectDir)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ reply: "reject" }),
  })
  if (!response.ok) throw new Error(`rejecting ask ${id}: HTTP ${response.status}`)
}
