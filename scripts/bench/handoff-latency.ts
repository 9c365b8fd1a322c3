/**
 * Figure 1 — hand-off latency: how long a `message` hand-off waits between the caller's turn
 * ending and OpenCode storing the hand-off as the next user message.
 *
 * Clocks: the hand-off's two ends are both OpenCode's own timestamps (the caller's last
 * assistant message `time.completed`, the hand-off's user message `time.created`). The
 * baseline starts at `Date.now()` in this process, just before its request, and ends at the
 * stored message's `time.created`. Both are epoch milliseconds read from the same machine's
 * clock (OpenCode runs on this machine, started by the harness), so they can be subtracted;
 * neither process keeps its own clock. The baseline includes this process's HTTP round trip,
 * the hand-off includes OpenCode ending the turn and publishing idle: each side is what a
 * client of OpenCode would see.
 *
 * Samples interleave: each round is one hand-off, then one direct prompt on the same (idle)
 * session, so other load on the machine falls on both alike.
 */
import type { Harness } from "../../test/e2e/harness.js"
import { callSession, lines } from "../../test/e2e/script.js"
import { isHandoff } from "../../test/e2e/waits.js"
import { ratioOf, type Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, round } from "./stats.js"

const SESSIONS = 6
const ROUNDS = 6 // per session: 36 hand-offs and 36 direct prompts

export async function handoffLatency({ oc, tracker }: Server): Promise<Measured> {
  const handoff: number[] = []
  const direct: number[] = []
  const toIdle: number[] = []
  const afterIdle: number[] = []
  for (let s = 0; s < SESSIONS; s++) {
    const id = await createSession(oc, `bench hand-off latency ${s}`)
    for (let r = 0; r < ROUNDS; r++) {
      // The person asks build; build hands over to plan; plan answers.
      let users = tracker.users(id).length
      await send(oc, id, "build", lines(`Round ${r}: please get this reviewed.`, callSession({ mode: "message", agent: "plan", text: `Review round ${r}.` })))
      await tracker.settled(id, users + 2)
      // Baseline: a client prompts the same session, now idle, directly.
      users = tracker.users(id).length
      const before = Date.now()
      await send(oc, id, "plan", `@say Direct prompt ${r} answered.`)
      const turn = await tracker.settled(id, users + 1)
      direct.push(turn.user.time.created - before)
    }
    for (const { completed, created } of await handoffs(oc, id)) {
      handoff.push(created - completed)
      const idleSeen = tracker.idleSeenAfter(id, completed)
      if (idleSeen !== undefined) {
        toIdle.push(idleSeen - completed)
        afterIdle.push(created - idleSeen)
      }
    }
  }
  if (handoff.length !== SESSIONS * ROUNDS) throw new Error(`expected ${SESSIONS * ROUNDS} hand-offs, found ${handoff.length}`)

  const value = median(handoff)
  const baseline = median(direct)
  return {
    title: "Hand-off latency",
    rows: [
      { figure: `hand-off latency, median of ${handoff.length} (ms)`, value, baseline, ratio: ratioOf(value, baseline), target: "≤ 1.5× baseline", ok: value <= 1.5 * baseline },
      { figure: "hand-off latency, p95 (ms)", value: p95(handoff), baseline: p95(direct), ratio: ratioOf(p95(handoff), p95(direct)), target: "(context)" },
      { figure: "  of which turn end → idle event seen, median (ms)", value: median(toIdle), target: "(context)" },
      { figure: "  of which idle event seen → hand-off stored, median (ms)", value: median(afterIdle), baseline, ratio: ratioOf(median(afterIdle), baseline), target: "(context)" },
    ],
    details: {
      unit: "ms",
      handoff: { median: value, p95: p95(handoff), min: Math.min(...handoff), max: Math.max(...handoff), samples: handoff },
      directPrompt: { median: baseline, p95: p95(direct), min: Math.min(...direct), max: Math.max(...direct), samples: direct },
      ratioOfMedians: round(ratioOf(value, baseline), 3),
      // The hand-off split at the moment this process saw OpenCode publish the caller's session
      // idle (the signal the plugin waits for): OpenCode ending the turn, then the plugin's
      // delivery (a status check and the prompt) up to the stored message. This process sees
      // the event a little after the plugin (inside OpenCode) does, by the event stream's
      // delivery time, so the first part is slightly overstated and the second understated.
      turnEndToIdleSeen: { median: median(toIdle), p95: p95(toIdle), samples: toIdle },
      idleSeenToStored: { median: median(afterIdle), p95: p95(afterIdle), samples: afterIdle },
    },
  }
}

/** Per hand-off: when the caller's turn ended (its last assistant message completed) and when the hand-off was stored. */
async function handoffs(oc: Harness, sessionID: string): Promise<Array<{ completed: number; created: number }>> {
  const messages = await oc.messages(sessionID)
  return messages.flatMap((message, index) => {
    if (!isHandoff(message)) return []
    const before = messages[index - 1]?.info
    if (before?.role !== "assistant" || before.time.completed === undefined) {
      throw new Error(`hand-off ${message.info.id} in ${sessionID} does not follow a finished assistant message`)
    }
    return [{ completed: before.time.completed, created: message.info.time.created }]
  })
}
