/**
 * Figure 8 — `status` with 200 started sessions, after a restart: nothing is in the plugin's
 * memory, so every session's lineage, state and latest answer is read back from OpenCode's
 * store. Measured: the status call's own time (its tool part's start → end), and that it
 * names all 200. For scale: a client reading those 200 sessions' messages itself, 8 at a time.
 */
import { callSession, lines, sessionToolParts, startedSessionsIn, toolOutcome } from "../../test/e2e/script.js"
import { mapLimited } from "../../src/server/lifecycle/from-store.js"
import type { Measured } from "./report.js"
import { send, sessionWithHistory, type Server } from "./servers.js"

const STARTED = 200
const PER_TURN = 50
const MAX_MS = 5_000

export async function statusMany(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const id = await sessionWithHistory(server, "bench status 200", "Ready to start many sessions.")
  for (let turn = 0; turn < STARTED / PER_TURN; turn++) {
    const calls = Array.from({ length: PER_TURN }, (_, k) => callSession({ mode: "new", agent: "plan", text: `@say Job ${turn * PER_TURN + k + 1} done.` }))
    const users = tracker.users(id).length
    await send(oc, id, "build", lines(`Start ${PER_TURN} jobs.`, ...calls))
    await tracker.settled(id, users + 1, 120_000)
  }
  const started = startedSessionsIn(await oc.messages(id))
  if (started.length !== STARTED) throw new Error(`expected ${STARTED} started sessions, found ${started.length}`)
  await Promise.all(started.map((child) => tracker.answeredBy(child, "plan", 180_000)))

  await oc.restart()

  const users = tracker.users(id).length
  await send(oc, id, "build", callSession({ mode: "status" }))
  await tracker.settled(id, users + 1, 120_000)
  const part = sessionToolParts(await oc.messages(id)).at(-1)!
  const state = part.state
  if (state.status !== "completed") throw new Error(`status failed: ${toolOutcome(part).text}`)
  const value = state.time.end - state.time.start
  const named = started.filter((child) => state.output.includes(child)).length
  // A row: `- <id> "<title>": new, agent plan, idle, <tokens>. Latest answer: Job 7 done.`
  const answered = state.output.split("\n").filter((line) => /, idle\b.*\. Latest answer: Job \d+ done\./.test(line)).length

  const before = Date.now()
  await mapLimited(started, 8, (child) => oc.messages(child))
  const readAll = Date.now() - before
  return {
    title: "Status with 200 started sessions",
    rows: [
      {
        figure: `status after a restart, ${STARTED} started sessions (ms)`,
        value,
        baseline: readAll,
        ratio: Math.round((value / readAll) * 100) / 100,
        target: `≤ ${MAX_MS} ms`,
        ok: value <= MAX_MS,
      },
      {
        figure: "  sessions it names, with their latest answer",
        value: `${named}/${answered}`,
        target: `${STARTED}/${STARTED}`,
        ok: named === STARTED && answered === STARTED,
      },
    ],
    details: { unit: "ms", started: STARTED, named, answered, readAllMs: readAll },
  }
}
