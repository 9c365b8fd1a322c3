/**
 * Figures 15 and 16 — a team.
 *
 * 15. A message to a running sibling. Each round, a caller starts two sessions whose model takes
 *     a while to answer (running), then, in its next turn, two more: one sends the first a team
 *     message by name (`mode message`, `session` its name), the other sends the second the same
 *     message with a bare tool that only prompts (`bare_prompt`, scripts/bench/bare-fork): the
 *     same send from the same kind of turn, at the same time (which recipient and which teller
 *     go first alternates by round). The arrival is the first model request of the recipient
 *     that carries the message, as the scripted model received it. A running turn reads a new
 *     message at its next step, so from the call until that step's answer completes both wait
 *     alike, for the recipient's model: measured is that step's end → the arrival; for
 *     context, the call's start (its tool part's `state.time.start`) → the arrival.
 *
 * 16. `after`. Each round, a caller starts a session and, in the same step, another `after` it.
 *     Measured: the first one's answer completed → the dependent's turn begun (its answer message
 *     created). Baseline, in the same round: the same done by hand with a client's `promptAsync`
 *     (a caller starts a session; the bench watches OpenCode's events and, as that session's
 *     answer completes, prompts a session made beforehand): the answer completed → that
 *     prompt's turn begun. OpenCode finishes the first session's turn on the same thread in both.
 *     For context, `promptAsync` on an idle server (figure 1's "turn begun").
 */
import type { ChatMessage } from "../../test/e2e/scripted-model.js"
import { callSession, lines, toolParts } from "../../test/e2e/script.js"
import { namedStarts } from "../../test/e2e/waits.js"
import { ratioOf, type Measured } from "./report.js"
import { createSession, send, type Server } from "./servers.js"
import { median, p95, round, spread } from "./stats.js"

const ROUNDS = 9
const MAX_MESSAGE_RATIO = 1.0
const MAX_AFTER_RATIO = 1.1
/** How long the recipients' model takes to answer: they are running when the messages are sent. */
const BUSY_MS = 1_000

function contentOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content
  return (message.content ?? []).map((part) => part.text ?? "").join("\n")
}

/** When the scripted model first received a request of the recipient (its history holds `own`) carrying `text`: the message's arrival in its turn. */
async function arrival({ oc }: Server, own: string, text: string): Promise<number> {
  const carries = (wanted: string) => (request: (typeof oc.model.requests)[number]) => request.messages.some((m) => contentOf(m).includes(wanted))
  return oc.waitFor(
    `a model request of the session that holds "${own}", carrying "${text}"`,
    () => oc.model.requests.find((request) => carries(own)(request) && carries(text)(request))?.at,
  )
}

/** When the tool call in `sessionID` whose input holds `text` started. */
async function callStart({ oc }: Server, sessionID: string, text: string): Promise<number> {
  return oc.waitFor(`the call carrying "${text}" in ${sessionID}`, async () => {
    const part = toolParts(await oc.messages(sessionID)).find((candidate) => JSON.stringify(candidate.state.input).includes(text))
    return part && part.state.status !== "pending" ? part.state.time.start : undefined
  })
}

/** When the recipient's first answer (the step the message waited for) completed. */
async function stepEnded({ oc }: Server, sessionID: string): Promise<number> {
  return oc.waitFor(`the first answer of ${sessionID}`, async () => {
    const answer = (await oc.messages(sessionID)).find((m) => m.info.role === "assistant" && m.info.time.completed)
    return answer?.info.role === "assistant" ? answer.info.time.completed : undefined
  })
}

export async function teamMessage(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const viaTool: number[] = []
  const bare: number[] = []
  const toolAfterStep: number[] = []
  const bareAfterStep: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const caller = await createSession(oc, `bench team message ${r}`)
    // Which recipient (started first or second) the session tool's message goes to alternates by round, as does which teller starts first.
    const [mine, theirs] = r % 2 === 0 ? [`busy-${r}-1`, `busy-${r}-2`] : [`busy-${r}-2`, `busy-${r}-1`]
    const busy = (name: string) => callSession({ mode: "new", agent: "plan", name, text: lines(`Busy ${name}.`, `@delay ${BUSY_MS}`, `@say ${name} done.`) })
    await send(oc, caller, "build", lines(`Start two, round ${r}.`, busy(`busy-${r}-1`), busy(`busy-${r}-2`)))
    const ids = await namedStarts(oc, caller, [mine, theirs])
    await tracker.settled(caller, 1)
    const note = `Team note ${r}.`
    const bareNote = `Bare note ${r}.`
    const viaSession = callSession({ mode: "message", session: mine, text: lines(note, `@say noted ${r}`) })
    const viaBare = `@call bare_prompt ${JSON.stringify({ session: ids.get(theirs), agent: "plan", text: lines(bareNote, `@say noted bare ${r}`) })}`
    const tellers = [
      callSession({ mode: "new", agent: "docs", name: `teller-${r}-tool`, text: lines(`Tell ${r} by the tool.`, viaSession) }),
      callSession({ mode: "new", agent: "docs", name: `teller-${r}-bare`, text: lines(`Tell ${r} bare.`, viaBare) }),
    ]
    await send(oc, caller, "build", lines(`Tell them, round ${r}.`, ...(r % 2 === 0 ? tellers : tellers.reverse())))
    const tellerIDs = await namedStarts(oc, caller, [`teller-${r}-tool`, `teller-${r}-bare`])
    const [arrived, bareArrived, called, bareCalled] = await Promise.all([
      // With its real line break: the callers' requests hold these texts too, inside JSON.
      arrival(server, `Busy ${mine}.\n@delay`, `${note}\n@say`),
      arrival(server, `Busy ${theirs}.\n@delay`, `${bareNote}\n@say`),
      callStart(server, tellerIDs.get(`teller-${r}-tool`)!, note),
      callStart(server, tellerIDs.get(`teller-${r}-bare`)!, bareNote),
    ])
    const [stepMine, stepTheirs] = await Promise.all([stepEnded(server, ids.get(mine)!), stepEnded(server, ids.get(theirs)!)])
    if (called > stepMine || bareCalled > stepTheirs) throw new Error(`round ${r}: a recipient was no longer running when the message was sent`)
    viaTool.push(arrived - called)
    bare.push(bareArrived - bareCalled)
    toolAfterStep.push(arrived - stepMine)
    bareAfterStep.push(bareArrived - stepTheirs)
    for (const id of [...ids.values(), ...tellerIDs.values()]) await tracker.waitIdle(id)
  }
  // A running turn reads a new message at its next step: until its step ends, both wait alike (the
  // recipient's model is still answering). What the sending adds is what comes after.
  const value = median(toolAfterStep)
  const baseline = median(bareAfterStep)
  const ratio = ratioOf(value, baseline)
  return {
    title: "Team message",
    rows: [
      {
        figure: `team message to a running sibling: its running step's end → the message's arrival in its turn, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio,
        target: `≤ ${MAX_MESSAGE_RATIO}× the bare tool`,
        ok: ratio <= MAX_MESSAGE_RATIO,
      },
      { figure: "  p95 (ms)", value: p95(toolAfterStep), target: "(context)" },
      {
        figure: "  the call's start → the arrival, median (ms)",
        value: median(viaTool),
        baseline: median(bare),
        ratio: ratioOf(median(viaTool), median(bare)),
        target: "(context)",
      },
    ],
    details: {
      unit: "ms",
      arrival: "the first model request of the recipient carrying the message, as the scripted model received it",
      viaTool: spread(viaTool),
      bareTool: spread(bare),
      viaToolAfterStep: spread(toolAfterStep),
      bareAfterStep: spread(bareAfterStep),
      ratio: round(ratio, 3),
    },
  }
}

export async function afterOthers(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const viaAfter: number[] = []
  const byClient: number[] = []
  const onIdle: number[] = []
  const first = (r: number, who: string) =>
    callSession({ mode: "new", agent: "plan", name: `first-${who}${r}`, text: lines(`First ${who} ${r}.`, "@delay 300", `@say First answer ${who} ${r}.`) })
  for (let r = 0; r < ROUNDS; r++) {
    // The session tool: a session, and another after it, in one step.
    const caller = await createSession(oc, `bench after ${r}`)
    const second = callSession({ mode: "new", agent: "docs", name: `second${r}`, after: `first-tool${r}`, text: `@say Second answer ${r}.` })
    await send(oc, caller, "build", lines(`First, then second, round ${r}.`, first(r, "tool"), second))
    const ids = await namedStarts(oc, caller, [`first-tool${r}`, `second${r}`])
    const awaited = await tracker.answered(ids.get(`first-tool${r}`)!, 1)
    const dependent = await tracker.answered(ids.get(`second${r}`)!, 1)
    viaAfter.push(dependent.answer.time.created - (awaited.answer.time.completed ?? Number.NaN))

    // Baseline: a client does it by hand, with promptAsync: it watches the first session's answer
    // and, as it completes, prompts a session it made beforehand.
    const handCaller = await createSession(oc, `bench after by hand ${r}`)
    const waiting = await createSession(oc, `bench after, waiting ${r}`)
    await send(oc, handCaller, "build", lines(`First, round ${r}.`, first(r, "client")))
    const handFirst = (await namedStarts(oc, handCaller, [`first-client${r}`])).get(`first-client${r}`)!
    const completed = await oc.waitForEvent(`the answer of ${handFirst} completed`, (event) => {
      if (event.type !== "message.updated") return false
      const info = event.properties.info
      return info.sessionID === handFirst && info.role === "assistant" && info.time.completed !== undefined && info.finish === "stop"
    })
    await send(oc, waiting, "docs", `@say By hand ${r}.`)
    const byHand = await tracker.answered(waiting, 1)
    const info = completed.type === "message.updated" && completed.properties.info.role === "assistant" ? completed.properties.info : undefined
    byClient.push(byHand.answer.time.created - (info?.time.completed ?? Number.NaN))

    // For context: a client prompts an idle session.
    await tracker.settled(handCaller, 1)
    const before = Date.now()
    await send(oc, handCaller, "build", `@say Direct ${r}.`)
    onIdle.push((await tracker.answered(handCaller, 2)).answer.time.created - before)
    for (const id of [...ids.values(), handFirst, caller, waiting]) await tracker.waitIdle(id)
  }
  const value = median(viaAfter)
  const baseline = median(byClient)
  const ratio = ratioOf(value, baseline)
  return {
    title: "After",
    rows: [
      {
        figure: `after: the awaited session's answer completed → the dependent's turn begun, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio,
        target: `≤ ${MAX_AFTER_RATIO}× promptAsync`,
        ok: ratio <= MAX_AFTER_RATIO,
      },
      { figure: "  p95 (ms)", value: p95(viaAfter), target: "(context)" },
      { figure: "  baseline: a client's promptAsync as the answer's completion is published → turn begun, median (ms)", value: baseline, target: "(context)" },
      { figure: "  promptAsync on an idle server → answer message created, median (ms)", value: median(onIdle), target: "(context)" },
    ],
    details: { unit: "ms", after: spread(viaAfter), promptAsyncOnCompletion: spread(byClient), promptAsyncIdle: spread(onIdle), ratio: round(ratio, 3) },
  }
}
