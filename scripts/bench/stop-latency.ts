/**
 * Figure 12 — stop: a caller starts two sessions whose model never answers (`@hang`: a turn
 * that runs until it is aborted); once both are busy (status busy, their model request in
 * flight), the caller, in a fresh turn, calls `session` with `{"mode":"stop","session":<one>}`.
 * Measured: the stop call's start (its tool part's `state.time.start`, OpenCode's timestamp)
 * → the stopped session's idle event (`session.status` idle) seen here, stamped with
 * `Date.now()` as it arrives. Baseline, same round: a client's own `session.abort` on the other
 * started session, still busy: request sent (`Date.now()` here) → its idle event seen here.
 * The stop call's own time (start → result) is shown for context.
 *
 * Clocks: OpenCode runs on this machine (started by the harness), so its timestamps and
 * `Date.now()` here read the same clock. Each stop call names another session, so no two calls
 * repeat (OpenCode asks the person after three identical tool calls in a row).
 */
import type { Harness, StoredMessage } from "../../test/e2e/harness.js"
import { callSession, lines, sessionToolParts, startedSessionsIn, toolOutcome } from "../../test/e2e/script.js"
import { contentText } from "../../test/e2e/scripted-model.js"
import { ratioOf, type Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, round, spread } from "./stats.js"

const ROUNDS = 9
const MAX_MS = 300

export async function stopLatency(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const stopped: number[] = []
  const result: number[] = []
  const aborted: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const caller = await createSession(oc, `bench stop ${r}`)
    const jobs = [`Long job ${r}A.`, `Long job ${r}B.`]
    await send(
      oc,
      caller,
      "build",
      lines(`Start two long jobs, round ${r}.`, ...jobs.map((job) => callSession({ mode: "new", agent: "plan", text: lines(job, "@hang") }))),
    )
    await tracker.settled(caller, 1)
    const [one, two] = startedIn(await oc.messages(caller))
    await Promise.all([running(oc, one, jobs[0]!), running(oc, two, jobs[1]!)])

    // The stop, in a fresh turn of the caller. The wait runs meanwhile, so that every event is
    // folded into the tracker (and stamped) as it arrives.
    const since = Date.now()
    const oneIdle = idleWait(server, one)
    await send(oc, caller, "build", lines(`Stop job ${r}A, keep ${r}B.`, callSession({ mode: "stop", session: one })))
    await oneIdle
    await tracker.settled(caller, 2)
    const part = sessionToolParts(await oc.messages(caller)).find((candidate) => candidate.state.input.mode === "stop")
    if (part?.state.status !== "completed" || !part.state.output.startsWith("Stopped 1 session:"))
      throw new Error(`the stop call did not stop ${one}: ${part ? toolOutcome(part).text : "no stop call"}`)
    if (!busyNow(oc, two)) throw new Error(`${two} stopped too: only ${one} was named`)
    stopped.push(idleSeen(server, one, since) - part.state.time.start)
    result.push(part.state.time.end - part.state.time.start)

    // Baseline: the client aborts the other one itself.
    const twoIdle = idleWait(server, two)
    const before = Date.now()
    const abort = await oc.client.session.abort({ path: { id: two } })
    if (abort.error) throw new Error(`session.abort failed: ${JSON.stringify(abort.error)}`)
    await twoIdle
    aborted.push(idleSeen(server, two, before) - before)
  }

  const value = median(stopped)
  const baseline = median(aborted)
  return {
    title: "Stop",
    rows: [
      {
        figure: `stop: stop call's start → stopped session's idle seen, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio: ratioOf(value, baseline),
        target: `≤ ${MAX_MS} ms`,
        ok: value <= MAX_MS,
      },
      { figure: "  p95 (ms)", value: p95(stopped), target: "(context)" },
      { figure: "  baseline: client's session.abort → idle seen, median (ms)", value: baseline, target: "(context)" },
      { figure: "  stop call's start → its result, median (ms)", value: median(result), target: "(context)" },
    ],
    details: {
      unit: "ms",
      stop: spread(stopped),
      abort: { median: baseline, p95: p95(aborted), samples: aborted },
      stopCallDuration: { median: median(result), samples: result },
      ratio: round(ratioOf(value, baseline), 3),
    },
  }
}

/** The two sessions the caller's first turn started, in call order. */
function startedIn(messages: StoredMessage[]): [string, string] {
  const started = startedSessionsIn(messages)
  if (started.length !== 2) throw new Error(`expected two started sessions, found ${started.length}`)
  return [started[0]!, started[1]!]
}

/** The session's last published status, read from the event stream. */
function lastStatus(oc: Harness, sessionID: string): string | undefined {
  for (let i = oc.events.length - 1; i >= 0; i--) {
    const event = oc.events[i]!
    if (event.type === "session.status" && event.properties.sessionID === sessionID) return event.properties.status.type
  }
  return undefined
}

function busyNow(oc: Harness, sessionID: string): boolean {
  return lastStatus(oc, sessionID) === "busy"
}

/** Resolves once the session is busy and its model request (the one holding `job`) hangs at the scripted model. */
async function running(oc: Harness, sessionID: string, job: string): Promise<void> {
  const inFlight = () =>
    oc.model.requests.some(
      (request) => request.reply === "hang" && request.messages.some((message) => message.role === "user" && contentText(message).includes(job)),
    )
  await oc.waitFor(`${sessionID} busy, its model request in flight`, () => busyNow(oc, sessionID) && inFlight(), 30_000)
}

function idleSeen({ tracker }: Server, sessionID: string, since: number): number {
  const at = tracker.idleSeenAfter(sessionID, since)
  if (at === undefined) throw new Error(`no idle event seen for ${sessionID}`)
  return at
}

/** Starts waiting for the session's idle event now; a failure surfaces where it is awaited, never as an unhandled rejection. */
function idleWait({ tracker }: Server, sessionID: string): Promise<void> {
  const wait = tracker.waitIdle(sessionID, 30_000)
  void wait.catch(() => undefined)
  return wait
}
