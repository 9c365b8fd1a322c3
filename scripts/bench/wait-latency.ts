/**
 * Figure 9 — wait: a fork and a new session answering after 0.3 and 0.8 s, then `wait` in the
 * same turn. Measured: the last awaited session's answer completed → the wait's tool call
 * ended (both OpenCode timestamps): how soon the caller has the answers once they exist.
 */
import { callRecord, callSession, lines, sessionToolParts, startedSessionsIn, toolOutcome } from "../../test/e2e/script.js"
import type { Measured } from "./report.js"
import { send, sessionWithHistory, type Server } from "./servers.js"
import { median, p95 } from "./stats.js"

const ROUNDS = 9
const MAX_MS = 50

export async function waitLatency(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const latencies: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const id = await sessionWithHistory(server, `bench wait ${round}`, "Two options are on the table.")
    await send(
      oc,
      id,
      "build",
      lines(
        "Try both, then compare.",
        callSession({ mode: "fork", agent: "plan", text: lines("Option 1.", "@delay 300", "@say Option 1 done.") }),
        callSession({ mode: "new", agent: "plan", text: lines("Option 2.", "@delay 800", "@say Option 2 done.") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
    )
    await tracker.settled(id, 2, 60_000)
    const messages = await oc.messages(id)
    const waited = sessionToolParts(messages).find((part) => part.state.input.mode === "wait")
    const children = startedSessionsIn(messages)
    if (waited?.state.status !== "completed" || callRecord(waited)?.sessions?.length !== children.length || children.length !== 2)
      throw new Error(`the wait did not return both answers: ${waited && toolOutcome(waited).text}`)
    const lastAnswer = Math.max(
      ...(await Promise.all(children.map(async (child) => (await oc.messages(child)).at(-1)!))).map((message) =>
        message.info.role === "assistant" ? (message.info.time.completed ?? Infinity) : Infinity,
      ),
    )
    latencies.push(waited.state.time.end - lastAnswer)
  }
  const value = median(latencies)
  return {
    title: "Wait",
    rows: [
      { figure: `wait: last awaited answer → wait's result, median of ${ROUNDS} (ms)`, value, target: `≤ ${MAX_MS} ms`, ok: value <= MAX_MS },
      { figure: "  p95 (ms)", value: p95(latencies), target: "(context)" },
    ],
    details: { unit: "ms", latencies },
  }
}
