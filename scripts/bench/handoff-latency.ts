/**
 * Figure 1 — hand-off latency: from the caller's last answer completing to the target agent's
 * turn beginning (its answer message created), against what delivering after the turn would
 * cost: the host's idle signal (turn end → idle event seen here) plus a client's `promptAsync`
 * on the idle session (request → the answer message created). A hand-off joins the caller's
 * running turn, so it is stored before that turn's last message completes (shown too).
 *
 * Clocks: the hand-off's ends are OpenCode's own timestamps. The baseline's are `Date.now()`
 * here (request sent, idle event seen) and OpenCode's timestamps; all are epoch milliseconds
 * read from the same machine's clock (OpenCode runs here, started by the harness).
 *
 * Samples interleave: each round is one hand-off, then one direct prompt on the same (idle)
 * session, so other load on the machine falls on both alike.
 */
import type { Harness, StoredMessage } from "../../test/e2e/harness.js"
import { callSession, lines } from "../../test/e2e/script.js"
import { isHandoff } from "../../test/e2e/waits.js"
import { ratioOf, type Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, round, spread } from "./stats.js"

const SESSIONS = 6
const ROUNDS = 6 // per session: 36 hand-offs and 36 direct prompts

export async function handoffLatency({ oc, tracker }: Server): Promise<Measured> {
  const handoff: number[] = []
  const storedBeforeEnd: number[] = []
  const toIdle: number[] = []
  const prompt: number[] = []
  for (let s = 0; s < SESSIONS; s++) {
    const id = await createSession(oc, `bench hand-off latency ${s}`)
    for (let r = 0; r < ROUNDS; r++) {
      // The person asks build; build hands over to plan; plan answers.
      let users = tracker.users(id).length
      await send(oc, id, "build", lines(`Round ${r}: please get this reviewed.`, callSession({ mode: "message", agent: "plan", text: `Review round ${r}.` })))
      await tracker.settled(id, users + 2)
      // Baseline: a client prompts the same session, now idle, directly; its turn's end shows the idle signal's delay.
      users = tracker.users(id).length
      const before = Date.now()
      await send(oc, id, "plan", `@say Direct prompt ${r} answered.`)
      const turn = await tracker.settled(id, users + 1)
      prompt.push(turn.answer.time.created - before)
      const idleSeen = tracker.idleSeenAfter(id, turn.answer.time.completed!)
      if (idleSeen !== undefined) toIdle.push(idleSeen - turn.answer.time.completed!)
    }
    for (const { completed, stored, begun } of await handoffs(oc, id)) {
      handoff.push(begun - completed)
      storedBeforeEnd.push(completed - stored)
    }
  }
  if (handoff.length !== SESSIONS * ROUNDS) throw new Error(`expected ${SESSIONS * ROUNDS} hand-offs, found ${handoff.length}`)

  const value = median(handoff)
  const baseline = median(toIdle) + median(prompt)
  return {
    title: "Hand-off latency",
    rows: [
      {
        figure: `hand-off: caller's turn end → target's turn begun, median of ${handoff.length} (ms)`,
        value,
        baseline,
        ratio: ratioOf(value, baseline),
        target: "≤ 1.1× (idle + promptAsync)",
        ok: value <= 1.1 * baseline,
      },
      { figure: "  p95 (ms)", value: p95(handoff), target: "(context)" },
      { figure: "  baseline: turn end → idle event seen, median (ms)", value: median(toIdle), target: "(context)" },
      { figure: "  baseline: promptAsync → answer message created, median (ms)", value: median(prompt), target: "(context)" },
      { figure: "  hand-off stored before the caller's turn ended by, median (ms)", value: median(storedBeforeEnd), target: "(context)" },
    ],
    details: {
      unit: "ms",
      handoff: spread(handoff),
      idleSignal: { median: median(toIdle), p95: p95(toIdle), samples: toIdle },
      promptAsync: { median: median(prompt), p95: p95(prompt), samples: prompt },
      storedBeforeTurnEnd: { median: median(storedBeforeEnd), samples: storedBeforeEnd },
      ratio: round(ratioOf(value, baseline), 3),
    },
  }
}

export type HandoffTimes = { completed: number; stored: number; begun: number }

/**
 * Per hand-off in a session's stored messages: when the caller's last message completed, when
 * the hand-off was stored, and when the target's answer message was created.
 */
export function handoffTimes(messages: readonly StoredMessage[], sessionID: string): HandoffTimes[] {
  return messages.flatMap((message, index) => {
    if (!isHandoff(message)) return []
    const before = messages[index - 1]?.info
    const after = messages[index + 1]?.info
    if (before?.role !== "assistant" || before.time.completed === undefined || after?.role !== "assistant") {
      throw new Error(`hand-off ${message.info.id} in ${sessionID} is not between a finished assistant message and its target's answer`)
    }
    return [{ completed: before.time.completed, stored: message.info.time.created, begun: after.time.created }]
  })
}

async function handoffs(oc: Harness, sessionID: string): Promise<HandoffTimes[]> {
  return handoffTimes(await oc.messages(sessionID), sessionID)
}
