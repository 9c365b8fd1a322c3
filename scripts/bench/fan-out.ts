/**
 * Figure 4 — fan-out: N parallel `fork` calls in one turn (N = 1, 4, 16), until every fork has
 * answered. Its floor: the same N forks made in the same kind of turn by a bare tool that only
 * forks and prompts (scripts/bench/bare-fork): what any tool that forks from a model's turn
 * costs OpenCode (the caller's step streaming N tool calls, its next step), on the same cores.
 * For context, the same forks made directly by a client (`session.fork` + `promptAsync`, all
 * in parallel) from the same point of the same conversation, with no model turn at all.
 *
 * Plugin: from the first `session` call starting (its tool part's `time.start`) to the last
 * fork's final answer `time.completed`; both OpenCode timestamps. The caller's own first model
 * step (deciding to call the tool) comes before that and has no counterpart in the baseline,
 * so it is left out; the time from the person's message is kept in the details. Baseline:
 * `Date.now()` here just before the first request → the last fork's `time.completed` (same
 * machine clock, see handoff-latency.ts). Each baseline forks the plugin run's conversation
 * just before the calling turn's assistant message: exactly the history the plugin's forks copy.
 */
import { callSession, lines, startedBy, toolOutcome, toolParts, type ToolPart } from "../../test/e2e/script.js"
import { ratioOf, type Measured, type Row } from "./report.js"
import { send, sessionWithHistory, type Server } from "./servers.js"
import { median } from "./stats.js"
import { untilQuiet } from "./quiet.js"

// Medians of many runs each, every run started once OpenCode is idle: a single run moves by a
// third either way on this machine, and a median of 9 still by ±0.1 in the ratio.
const FAN_OUT = [
  { n: 1, repeats: 15 },
  { n: 4, repeats: 21 },
  { n: 16, repeats: 15 },
]
/** Against the bare tool: no slower than forking from a turn can be. */
const MAX_RATIO = 1.0
const TIMEOUT_MS = 120_000

type Done = { lastForked: number; lastStored: number; lastAnswered: number }
/** From the start: every fork session created, every fork's first message stored, every fork answered. */
type DirectRun = { allForkedMs: number; allStoredMs: number; allAnsweredMs: number }
type PluginRun = DirectRun & {
  fromPersonMs: number
  callerTurnMs: number
  /** Tool calls started → the last one returned (every fork created, titled, first message accepted). */
  toolsMs: number
  sourceID: string
  callerMessageID: string
}

export async function fanOut(server: Server): Promise<Measured> {
  const rows: Row[] = []
  const runs: Record<string, { plugin: PluginRun[]; bare: PluginRun[]; direct: DirectRun[] }> = {}
  for (const { n, repeats } of FAN_OUT) {
    const plugin: PluginRun[] = []
    const bare: PluginRun[] = []
    const direct: DirectRun[] = []
    for (let r = 0; r < repeats; r++) {
      const run = await fromTurn(server, n, "session")
      plugin.push(run)
      await untilQuiet(server.oc.pid())
      bare.push(await fromTurn(server, n, "bare_fork"))
      await untilQuiet(server.oc.pid())
      direct.push(await viaClient(server, n, run.sourceID, run.callerMessageID))
    }
    runs[`N=${n}`] = { plugin, bare, direct }
    const value = median(plugin.map((run) => run.allAnsweredMs))
    const floor = median(bare.map((run) => run.allAnsweredMs))
    const ratio = ratioOf(value, floor)
    const byClient = median(direct.map((run) => run.allAnsweredMs))
    const stored = median(plugin.map((run) => run.allStoredMs))
    const storedFloor = median(bare.map((run) => run.allStoredMs))
    rows.push({
      figure: `fan-out N=${n}: all forks answered, vs a bare fork tool (ms)`,
      value,
      baseline: floor,
      ratio,
      target: `≤ ${MAX_RATIO}× the bare tool`,
      ok: ratio <= MAX_RATIO,
    })
    rows.push({ figure: `  N=${n}: vs forks made directly by a client (ms)`, value, baseline: byClient, ratio: ratioOf(value, byClient), target: "(context)" })
    rows.push({
      figure: `  N=${n}: of which until every fork's message stored (ms)`,
      value: stored,
      baseline: storedFloor,
      ratio: ratioOf(stored, storedFloor),
      target: "(context)",
    })
    rows.push({
      figure: `  N=${n}: caller turn, vs the bare tool's (ms)`,
      value: median(plugin.map((run) => run.callerTurnMs)),
      baseline: median(bare.map((run) => run.callerTurnMs)),
      target: "(context)",
    })
  }
  return { title: "Fan-out", rows, details: { unit: "ms", runs } }
}

function startedAt(part: ToolPart): number {
  const state = part.state
  if (state.status === "pending") throw new Error(`tool call ${part.callID} never started`)
  return state.time.start
}

function endedAt(part: ToolPart): number {
  const state = part.state
  if (state.status !== "completed" && state.status !== "error") throw new Error(`tool call ${part.callID} never ended`)
  return state.time.end
}

/** The session the floor's bare_fork made: it is no part of the plugin and keeps no record, so its own result names it. */
function bareForked(text: string): string | undefined {
  return /^Forked session (\S+)\.$/.exec(text)?.[1]
}

/** N forks from one model turn, by the session tool or by the bare fork tool. */
async function fromTurn(server: Server, n: number, by: "session" | "bare_fork"): Promise<PluginRun> {
  const { oc, tracker } = server
  const id = await sessionWithHistory(server, `bench fan-out ${n} ${by}`, "Noted: three caching options are on the table.")
  const calls = Array.from({ length: n }, (_, k) => {
    const args = { agent: "plan", text: `Evaluate approach ${k + 1} of ${n}.` }
    return by === "session" ? callSession({ mode: "fork", ...args }) : `@call bare_fork ${JSON.stringify(args)}`
  })
  await untilQuiet(oc.pid())
  await send(oc, id, "build", lines(`Try ${n} approaches in parallel.`, ...calls))
  const caller = await tracker.settled(id, 2, TIMEOUT_MS)
  const parts = toolParts(await oc.messages(id)).filter((part) => part.tool === by)
  const childIDs = parts.map((part) => {
    const outcome = toolOutcome(part)
    const childID = by === "session" ? startedBy(part) : bareForked(outcome.text)
    if (outcome.status !== "completed" || !childID) throw new Error(`fork did not start a session: ${outcome.status} ${outcome.text}`)
    return childID
  })
  if (childIDs.length !== n) throw new Error(`expected ${n} forks, got ${childIDs.length}`)
  const done = await allAnswered({ oc, tracker }, childIDs)
  const start = Math.min(...parts.map(startedAt))
  return {
    allForkedMs: done.lastForked - start,
    allStoredMs: done.lastStored - start,
    allAnsweredMs: done.lastAnswered - start,
    toolsMs: Math.max(...parts.map(endedAt)) - start,
    fromPersonMs: done.lastAnswered - caller.user.time.created,
    callerTurnMs: caller.answer.time.completed! - caller.user.time.created,
    sourceID: id,
    callerMessageID: parts[0]!.messageID,
  }
}

async function viaClient({ oc, tracker }: Server, n: number, sourceID: string, beforeMessageID: string): Promise<DirectRun> {
  const before = Date.now()
  const childIDs = await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const forked = await oc.client.session.fork({ path: { id: sourceID }, body: { messageID: beforeMessageID } })
      if (!forked.data) throw new Error(`session.fork failed: ${JSON.stringify(forked.error)}`)
      await send(oc, forked.data.id, "plan", `Evaluate approach ${k + 1} of ${n}.`)
      return forked.data.id
    }),
  )
  const done = await allAnswered({ oc, tracker }, childIDs)
  return { allForkedMs: done.lastForked - before, allStoredMs: done.lastStored - before, allAnsweredMs: done.lastAnswered - before }
}

/** Waits for every fork's answer (and for it to be idle); then reads when the last fork was created, its message stored, its answer completed. */
async function allAnswered({ oc, tracker }: Server, sessionIDs: string[]): Promise<Done> {
  const turns = await Promise.all(sessionIDs.map((id) => tracker.answeredBy(id, "plan", TIMEOUT_MS)))
  await Promise.all(sessionIDs.map((id) => tracker.waitIdle(id, TIMEOUT_MS)))
  const created = await Promise.all(
    sessionIDs.map(async (id) => {
      const session = await oc.client.session.get({ path: { id } })
      if (!session.data) throw new Error(`session.get ${id} failed: ${JSON.stringify(session.error)}`)
      return session.data.time.created
    }),
  )
  return {
    lastForked: Math.max(...created),
    lastStored: Math.max(...turns.map((turn) => turn.user.time.created)),
    lastAnswered: Math.max(...turns.map((turn) => turn.answer.time.completed!)),
  }
}
