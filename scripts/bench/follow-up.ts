/**
 * Figure 13 — follow-up: a caller has started a session that answered and is idle; in a fresh
 * turn the caller calls `session` with `{"mode":"message","session":<it>,"text":...}`.
 * Measured: the call's start (its tool part's `state.time.start`) → the started session's turn
 * begun, i.e. its answer message (the first assistant message after the follow-up's user
 * message) created: both OpenCode timestamps. Baseline (its floor, as decided for fan-out and
 * messages to a started session), interleaved (one of each per round, on the same session, idle
 * again): the same message sent from the same kind of turn by a bare tool that only prompts
 * (`bare_prompt`, scripts/bench/bare-fork), whose next step runs on the same OpenCode thread.
 * For context: a client's `promptAsync` on it (request sent → that prompt's answer message
 * created, the same "turn begun" as in figure 1, with no model turn around it), when each user
 * message was stored, and the call's own time (start → result).
 *
 * Each round is a new caller and a new started session, and every text differs, so no tool
 * call repeats (OpenCode asks the person after three identical calls in a row).
 */
import type { StoredMessage } from "../../test/e2e/harness.js"
import { callSession, lines, sessionToolParts, startedSessionsIn, textOf, toolOutcome } from "../../test/e2e/script.js"
import { ratioOf, type Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, round, spread } from "./stats.js"

const ROUNDS = 15
const MAX_RATIO = 1.0

/** When a turn began: its user message stored, its first answer message created (OpenCode timestamps). */
type Begun = { stored: number; answering: number }

export async function followUp(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const viaTool: number[] = []
  const viaToolStored: number[] = []
  const callTime: number[] = []
  const direct: number[] = []
  const directStored: number[] = []
  const bare: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const caller = await createSession(oc, `bench follow-up ${r}`)
    await send(
      oc,
      caller,
      "build",
      lines(`Ask plan, round ${r}.`, callSession({ mode: "new", agent: "plan", text: lines(`Question ${r}.`, `@say Answer ${r}.`) })),
    )
    await tracker.settled(caller, 1)
    const child = startedIn(await oc.messages(caller))
    await tracker.settled(child, 1)

    // The follow-up, in a fresh turn of the caller, to the idle started session.
    const text = lines(`Follow-up question ${r}: and the edge cases?`, `@say Follow-up answer ${r}.`)
    await send(oc, caller, "build", lines(`Follow up on round ${r}.`, callSession({ mode: "message", session: child, text })))
    await tracker.settled(child, 2)
    await tracker.settled(caller, 2)
    const part = sessionToolParts(await oc.messages(caller)).find((candidate) => candidate.state.input.mode === "message")
    if (part?.state.status !== "completed" || !part.state.output.includes("answers it now"))
      throw new Error(`the follow-up did not go to an idle ${child}: ${part ? toolOutcome(part).text : "no message call"}`)
    const sent = begun(await oc.messages(child), 2, `Follow-up question ${r}:`)
    viaTool.push(sent.answering - part.state.time.start)
    viaToolStored.push(sent.stored - part.state.time.start)
    callTime.push(part.state.time.end - part.state.time.start)

    // Floor, for context: a bare tool sends it from the caller's turn, the same way.
    const bareText = lines(`Bare question ${r}.`, `@say Bare answer ${r}.`)
    await send(oc, caller, "build", `@call bare_prompt ${JSON.stringify({ session: child, agent: "plan", text: bareText })}`)
    await tracker.settled(child, 3)
    await tracker.settled(caller, 3)
    const barePart = (await oc.messages(caller))
      .flatMap((message) => message.parts)
      .find((part) => part.type === "tool" && part.tool === "bare_prompt" && JSON.stringify(part.state).includes(`Bare question ${r}.`))
    if (barePart?.type !== "tool" || barePart.state.status !== "completed") throw new Error(`the bare tool did not send to ${child}`)
    bare.push(begun(await oc.messages(child), 3, `Bare question ${r}.`).answering - barePart.state.time.start)

    // Baseline: a client prompts the same session, idle again, itself.
    const before = Date.now()
    await send(oc, child, "plan", lines(`Direct question ${r}.`, `@say Direct answer ${r}.`))
    await tracker.settled(child, 4)
    const prompted = begun(await oc.messages(child), 4, `Direct question ${r}.`)
    direct.push(prompted.answering - before)
    directStored.push(prompted.stored - before)
  }

  const value = median(viaTool)
  const baseline = median(bare)
  const ratio = ratioOf(value, baseline)
  return {
    title: "Follow-up",
    rows: [
      {
        figure: `follow-up: message call's start → started session's answer message created, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio,
        target: `≤ ${MAX_RATIO}× the bare tool`,
        ok: ratio <= MAX_RATIO,
      },
      { figure: "  p95 (ms)", value: p95(viaTool), target: "(context)" },
      { figure: "  baseline: a bare tool that only prompts, from the same kind of turn, median (ms)", value: baseline, target: "(context)" },
      {
        figure: "  vs a client's promptAsync (no model turn around it) (ms)",
        value,
        baseline: median(direct),
        ratio: ratioOf(value, median(direct)),
        target: "(context)",
      },
      { figure: "  message call's start → its result, median (ms)", value: median(callTime), target: "(context)" },
      { figure: "  message call's start → follow-up stored, median (ms)", value: median(viaToolStored), target: "(context)" },
      { figure: "  baseline: promptAsync → user message stored, median (ms)", value: median(directStored), target: "(context)" },
    ],
    details: {
      unit: "ms",
      turnBegun: "the started session's first assistant message after the follow-up (or prompt) created",
      followUp: spread(viaTool),
      promptAsync: { median: median(direct), p95: p95(direct), samples: direct },
      bareTool: { median: baseline, samples: bare },
      followUpStored: { median: median(viaToolStored), samples: viaToolStored },
      messageCallDuration: { median: median(callTime), samples: callTime },
      promptAsyncStored: { median: median(directStored), samples: directStored },
      ratio: round(ratio, 3),
    },
  }
}

/** The one session the caller's first turn started. */
function startedIn(messages: StoredMessage[]): string {
  const started = startedSessionsIn(messages)
  if (started.length !== 1) throw new Error(`expected one started session, found ${started.length}`)
  return started[0]!
}

/** The session's `nth` user message (it holds `holding`) stored, and the first assistant message after it created. */
function begun(messages: StoredMessage[], nth: number, holding: string): Begun {
  const at = messages.map((message) => message.info.role).reduce<number[]>((found, role, index) => (role === "user" ? [...found, index] : found), [])[nth - 1]
  const user = at === undefined ? undefined : messages[at]
  const answer = at === undefined ? undefined : messages.slice(at + 1).find((message) => message.info.role === "assistant")
  if (!user || !answer || !textOf(user).includes(holding)) throw new Error(`user message ${nth} is not "${holding}…" with an answer after it`)
  return { stored: user.info.time.created, answering: answer.info.time.created }
}
