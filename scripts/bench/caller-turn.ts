/**
 * Figure 2 — the caller's turn for `new` and `fork` while the started session's first answer
 * takes seconds (`@delay` in the child's text: the scripted model's simulated thinking time).
 * The tool returns once the child has accepted its first message, so the caller's turn should
 * stay short, and stay the same however long the child takes.
 *
 * Caller turn: the person's user message `time.created` → the caller's final answer
 * `time.completed`. Child answer: the child's first user message `time.created` → its final
 * answer `time.completed`. All OpenCode timestamps.
 *
 * A caller's turn varies by ±150 ms from one run to the next, so each point is the median of
 * REPEATS. Callers run one at a time. While a child waits for its simulated model it costs
 * OpenCode nothing, so the next callers run meanwhile; but no caller starts when a child is due
 * to answer within GUARD_MS, so no child's answer is processed during a caller's turn. That is
 * checked afterwards against OpenCode's timestamps, and any overlap is reported in the details.
 */
import { callSession, lines, sessionToolParts, startedBy, toolOutcome } from "../../test/e2e/script.js"
import { ratioOf, type Measured, type Row } from "./report.js"
import { send, sessionWithHistory, type Server } from "./servers.js"
import { median } from "./stats.js"

const DELAYS_MS = [8_000, 4_000, 2_000]
const MODES = ["new", "fork"] as const
const REPEATS = 3
const GUARD_MS = 1_500
const MAX_SHARE = 0.25
const FLAT_FACTOR = 1.5
const FLAT_MARGIN_MS = 250

type Mode = (typeof MODES)[number]

type Sample = {
  mode: Mode
  childDelayMs: number
  callerTurnMs: number
  childAnswerMs: number
  /** OpenCode timestamps: the caller's turn, and when its child answered. */
  callerFrom: number
  callerTo: number
  childCompletedAt: number
}

type Pending = { mode: Mode; delay: number; childID: string; dueAt: number; callerFrom: number; callerTo: number }

export async function callerTurn(server: Server): Promise<Measured> {
  const samples: Sample[] = []
  const pending: Pending[] = []
  const collect = async (which: Pending) => {
    pending.splice(pending.indexOf(which), 1)
    samples.push(await childAnswered(server, which))
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const delay of DELAYS_MS) {
      for (const mode of MODES) {
        for (let due = soonest(pending); due && due.dueAt - Date.now() < GUARD_MS; due = soonest(pending)) await collect(due)
        pending.push(await startChild(server, mode, delay))
      }
    }
  }
  while (pending[0]) await collect(pending[0])

  const overlaps = samples.flatMap((caller) =>
    samples
      .filter((other) => other.childCompletedAt > caller.callerFrom && other.childCompletedAt < caller.callerTo)
      .map((other) => `${other.mode} child (${other.childDelayMs} ms) answered during a ${caller.mode} caller's turn (${caller.childDelayMs} ms)`),
  )
  const point = (mode: Mode, delay: number) => {
    const own = samples.filter((sample) => sample.mode === mode && sample.childDelayMs === delay)
    return { caller: median(own.map((s) => s.callerTurnMs)), child: median(own.map((s) => s.childAnswerMs)) }
  }
  const rows: Row[] = []
  const ascending = [...DELAYS_MS].sort((a, b) => a - b)
  for (const mode of MODES) {
    for (const delay of ascending) {
      const { caller, child } = point(mode, delay)
      const ratio = ratioOf(caller, child)
      rows.push({
        figure: `${mode}: caller turn vs child answer, child @delay ${delay / 1000} s (ms)`,
        value: caller,
        baseline: child,
        ratio,
        target: `≤ ${MAX_SHARE}`,
        ok: ratio <= MAX_SHARE,
      })
    }
    const shortest = point(mode, ascending[0]!).caller
    const longest = point(mode, ascending.at(-1)!).caller
    rows.push({
      figure: `${mode}: caller turn, child ${ascending.at(-1)! / 1000} s vs ${ascending[0]! / 1000} s (ms)`,
      value: longest,
      baseline: shortest,
      ratio: ratioOf(longest, shortest),
      target: `flat: ≤ ${FLAT_FACTOR}× or +${FLAT_MARGIN_MS} ms`,
      ok: longest <= Math.max(FLAT_FACTOR * shortest, shortest + FLAT_MARGIN_MS),
    })
  }
  return { title: "Caller turn for new and fork", rows, details: { unit: "ms", repeats: REPEATS, samples, overlaps } }
}

function soonest(pending: readonly Pending[]): Pending | undefined {
  return pending.reduce<Pending | undefined>((first, p) => (!first || p.dueAt < first.dueAt ? p : first), undefined)
}

async function startChild(server: Server, mode: Mode, delay: number): Promise<Pending> {
  const { oc, tracker } = server
  // Some history first, so that a fork has something to copy.
  const id = await sessionWithHistory(server, `bench caller turn ${mode} ${delay}`, "Noted: the parser needs a rewrite.")
  await send(
    oc,
    id,
    "build",
    lines(
      `Start a ${mode} session for the slow part.`,
      callSession({ mode, agent: "plan", text: lines(`Plan the parser rewrite (takes ${delay / 1000} s).`, `@delay ${delay}`) }),
    ),
  )
  const caller = await tracker.settled(id, 2)
  const [part] = sessionToolParts(await oc.messages(id))
  const outcome = toolOutcome(part!)
  const childID = startedBy(part!)
  if (outcome.status !== "completed" || !childID) throw new Error(`${mode} did not start a session: ${outcome.status} ${outcome.text}`)
  // The child's model request follows its first message, so it cannot answer before that
  // message's time + delay (the person's message is an earlier bound, should it be unseen yet).
  const accepted = tracker.users(childID).find((message) => message.agent === "plan")?.time.created ?? caller.user.time.created
  return { mode, delay, childID, dueAt: accepted + delay, callerFrom: caller.user.time.created, callerTo: caller.answer.time.completed! }
}

async function childAnswered({ tracker }: Server, started: Pending): Promise<Sample> {
  const child = await tracker.answeredBy(started.childID, "plan", started.delay + 60_000)
  await tracker.waitIdle(started.childID)
  return {
    mode: started.mode,
    childDelayMs: started.delay,
    callerTurnMs: started.callerTo - started.callerFrom,
    childAnswerMs: child.answer.time.completed! - child.user.time.created,
    callerFrom: started.callerFrom,
    callerTo: started.callerTo,
    childCompletedAt: child.answer.time.completed!,
  }
}
