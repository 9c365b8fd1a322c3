/**
 * Figure 7 — gathering: three forks with `report: true` in one turn, answering after 0.3, 1 and
 * 2 s. Measured: the last fork's answer completed → the caller's one gathered report stored
 * (both OpenCode timestamps). Baseline, interleaved: a client's `promptAsync` on the idle
 * caller, request → message stored (as in figure 1): what delivering anything costs at best.
 */
import { callSession, lines, reportedSessions, startedSessionsIn } from "../../test/e2e/script.js"
import { isReport } from "../../test/e2e/waits.js"
import { ratioOf, type Measured } from "./report.js"
import { send, sessionWithHistory, type Server } from "./servers.js"
import { median } from "./stats.js"

const ROUNDS = 7
const MAX_RATIO = 2

export async function gathering(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  const gathered: number[] = []
  const direct: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const id = await sessionWithHistory(server, `bench gathering ${round}`, "Three options are on the table.")
    const forks = [300, 1000, 2000].map((delay, k) =>
      callSession({ mode: "fork", agent: "plan", report: true, text: lines(`Option ${k + 1}.`, `@delay ${delay}`, `@say Option ${k + 1} done.`) }),
    )
    await send(oc, id, "build", lines("Compare three options.", ...forks))
    // The person's message, the gathered report: two user messages after the history's one.
    await tracker.settled(id, 3, 60_000)
    const messages = await oc.messages(id)
    const reports = messages.filter((message) => isReport(message) && reportedSessions(message).length === 3)
    if (reports.length !== 1) throw new Error(`expected one gathered report, found ${reports.length}`)
    const children = startedSessionsIn(messages)
    const lastAnswer = Math.max(
      ...(await Promise.all(children.map(async (child) => (await oc.messages(child)).at(-1)!))).map((message) =>
        message.info.role === "assistant" ? (message.info.time.completed ?? Infinity) : Infinity,
      ),
    )
    gathered.push(reports[0]!.info.time.created - lastAnswer)

    const users = tracker.users(id).length
    const before = Date.now()
    await send(oc, id, "build", "@say Direct prompt answered.")
    direct.push((await tracker.settled(id, users + 1)).user.time.created - before)
  }
  const value = median(gathered)
  const baseline = median(direct)
  const ratio = ratioOf(value, baseline)
  return {
    title: "Gathering",
    rows: [
      {
        figure: `gathering: last fork answered → one report stored, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio,
        target: `≤ ${MAX_RATIO}× baseline`,
        ok: ratio <= MAX_RATIO,
      },
    ],
    details: { unit: "ms", gathered, direct },
  }
}
