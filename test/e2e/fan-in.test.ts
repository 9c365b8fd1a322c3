/**
 * Fan-in that holds, in a real OpenCode: a turn's reports gathered into one message, a bound on
 * how many started sessions run at once, and lineage and due reports that survive a restart
 * (read back from what OpenCode stores, not from the plugin's memory).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness, type StoredMessage } from "./harness.js"
import {
  callRecord,
  callSession,
  completedAt,
  lines,
  pluginMarker,
  reportedSessions,
  sessionToolParts,
  startedBy,
  startedSessionsIn,
  textOf,
  toolOutcome,
  type CallRecord,
} from "./script.js"
import { answered, answeredBy, isHandoff, isReport, toasts } from "./waits.js"

const MAX_RUNNING = 2
let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: { alpha: { mode: "primary", description: "Compares." }, beta: { mode: "primary", description: "Explores." } },
    pluginOptions: { maxRunning: MAX_RUNNING },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const reportsIn = (messages: StoredMessage[]) => messages.filter(isReport)

/** The caller's messages once it holds `count` reports and has answered the last one. */
function reportsAnswered(sessionID: string, count: number, timeoutMs?: number) {
  return oc.waitFor(
    `${count} report(s) answered in ${sessionID}`,
    async () => {
      const all = await oc.messages(sessionID)
      const last = all.at(-1)
      const done = last?.info.role === "assistant" && completedAt(last) < Infinity && reportsIn(all).length >= count
      return done ? all : undefined
    },
    timeoutMs,
  )
}

describe("gathered reports", () => {
  it("three forks of one turn (and a failing one) come back as one report, answered once", async () => {
    const id = await oc.startSession(
      lines(
        "Try three approaches and compare.",
        callSession({ mode: "fork", agent: "beta", report: true, text: lines("Approach A", "@delay 300", "@say Result A") }),
        callSession({ mode: "fork", agent: "beta", report: true, text: lines("Approach B", "@delay 2500", "@say Result B") }),
        callSession({ mode: "new", agent: "beta", report: true, text: lines("Approach C", "@fail") }),
      ),
      "alpha",
    )
    const children = startedSessionsIn(await answered(oc, id, 1))
    expect(children).toHaveLength(3)
    const messages = await reportsAnswered(id, 1, 60_000)
    // Let any stray second report arrive before counting: the person writes and is answered.
    await oc.say(id, "@say fence", "alpha")
    const all = await answeredBy(oc, id, "alpha")
    const reports = reportsIn(all)
    expect(reports).toHaveLength(1)
    const report = textOf(reports[0]!)
    expect(report).toMatch(/^\[Reports from the 3 sessions you started in one turn/)
    expect([...reportedSessions(reports[0]!)].sort()).toEqual([...children].sort())
    for (const child of children) expect(report).toContain(child)
    expect(report).toContain("Result A")
    expect(report).toContain("Result B")
    expect(report).toMatch(/\(Its turn failed: .*\)/)
    // Answered once, by the caller's agent, with every answer in view.
    const at = messages.findIndex((message) => message.info.id === reports[0]!.info.id)
    expect(at).toBeGreaterThan(0)
    expect(messages.slice(at + 1).map((m) => m.info.role === "assistant" && m.info.mode)).toEqual(["alpha"])
    // It came once the slowest had finished, not before.
    const slowest = Math.max(...(await Promise.all(children.map(async (child) => completedAt((await oc.messages(child)).at(-1)!)))).filter(Number.isFinite))
    expect(reports[0]!.info.time.created).toBeGreaterThanOrEqual(slowest)
  })
})

describe(`bounded fan-out (maxRunning: ${MAX_RUNNING})`, () => {
  it("runs at most two of four forks at once, says which wait, and all four finish", async () => {
    const id = await oc.startSession(
      lines(
        "Fan out four ways.",
        ...[1, 2, 3, 4].map((n) => callSession({ mode: "fork", agent: "beta", text: lines(`Way ${n}`, "@delay 1500", `@say Way ${n} done`) })),
        `@after-tool ${callSession({ mode: "status" })}`,
      ),
      "alpha",
    )
    const messages = await answered(oc, id, 1)
    const calls = sessionToolParts(messages)
    const outcomes = calls.map(toolOutcome)
    // The first two run now; the others wait for a free place, and say so, and why.
    expect(calls.slice(0, 4).map((call) => callRecord(call)?.waiting)).toEqual([false, false, true, true])
    const waits = (text: string) => /already run 2 sessions[^.]*\. It starts by itself when one of them finishes/.test(text)
    expect(outcomes.slice(0, 4).map((o) => waits(o.text))).toEqual([false, false, true, true])
    expect(outcomes.slice(0, 2).every((o) => /runs now/.test(o.text))).toBe(true)
    const forks = calls.slice(0, 4).map((call) => startedBy(call)!)
    expect(new Set(forks).size).toBe(4)
    const status = outcomes[4]!.text
    expect(status.split("\n").filter((line) => line.includes("waiting to start"))).toHaveLength(2)
    // Every fork carries its own title, the waiting ones from the call on (they are titled once, then).
    for (const [index, fork] of forks.entries()) {
      await oc.waitFor(`${fork}'s title`, async () =>
        (await oc.client.session.get({ path: { id: fork } })).data?.title.startsWith(`Fork (beta): Way ${index + 1}`),
      )
    }

    const runs = await Promise.all(
      forks.map(async (fork) => {
        const all = await answeredBy(oc, fork, "beta", 30_000)
        const answer = all.at(-1)!
        return { start: all.find((m) => m.info.role === "assistant")!.info.time.created, end: completedAt(answer), text: textOf(answer) }
      }),
    )
    expect(runs.map((run) => run.text)).toEqual(["Way 1 done", "Way 2 done", "Way 3 done", "Way 4 done"])
    // At no moment did more than two run: count the runs in progress at each start.
    for (const run of runs) {
      const concurrent = runs.filter((other) => other.start <= run.start && other.end > run.start).length
      expect(concurrent).toBeLessThanOrEqual(MAX_RUNNING)
    }
  })
})

describe("interrupting the caller", () => {
  it("drops its sessions still waiting for a place and stops the running ones: none answers, and toasts say so", async () => {
    const since = oc.events.length
    const id = await oc.startSession(
      lines(
        "Fan out, then keep working.",
        ...[1, 2, 3].map((n) => callSession({ mode: "fork", agent: "beta", text: lines(`Slow way ${n}`, "@delay 3000", `@say Slow way ${n} done`) })),
        "@after-tool @hang",
      ),
      "alpha",
    )
    const records = await oc.waitFor("the three calls answered", async () => {
      const done = sessionToolParts(await oc.messages(id))
        .map(callRecord)
        .filter((record): record is CallRecord => record?.kind === "started")
      return done.length === 3 ? done : undefined
    })
    const waiting = records.find((record) => record.waiting)!.session!
    await oc.client.session.abort({ path: { id } })
    await oc.waitFor("a toast naming the dropped session", () =>
      oc.events.slice(since).find((e) => e.type === "tui.toast.show" && (e.properties as { message: string }).message.includes(waiting)),
    )
    // The running forks are stopped with the turn that started them (option stopWithCaller, on by default).
    const running = records.map((record) => record.session!).filter((fork) => fork !== waiting)
    await oc.waitFor("a toast naming the stopped forks", () =>
      toasts(oc, since).find((t) => t.message.startsWith(`Interrupted: also stopped ${running.length} sessions this turn started`)),
    )
    for (const fork of running) {
      await oc.waitIdle(fork)
      const last = await oc.waitFor(`the stop noted in ${fork}`, async () => (await oc.messages(fork)).find((m) => pluginMarker(m)?.kind === "stop"))
      expect(pluginMarker(last)).toMatchObject({ kind: "stop", by: "interrupt", fromSession: id })
      expect((await oc.messages(fork)).some((m) => m.info.role === "assistant" && m.info.mode === "beta" && textOf(m).includes("done"))).toBe(false)
    }
    await oc.waitIdle(id)
    // It holds the copied history only: no hand-off was sent to it, and beta never answered there.
    const kept = await oc.messages(waiting)
    expect(kept.filter((m) => isHandoff(m))).toEqual([])
    expect(kept.some((m) => m.info.role === "assistant" && m.info.mode === "beta")).toBe(false)
  })
})

describe("after a restart", () => {
  it("status still names the sessions started before it, and a resumed fork's report reaches its caller", async () => {
    const id = await oc.startSession(
      lines(
        "Start two things.",
        callSession({ mode: "new", agent: "beta", text: lines("Quick job.", "@say Quick job done.") }),
        callSession({ mode: "fork", agent: "beta", report: true, text: lines("Long job.", "@hang") }),
      ),
      "alpha",
    )
    const [quick, long] = startedSessionsIn(await answered(oc, id, 1))
    await answeredBy(oc, quick!, "beta")
    await oc.waitFor("the long job's turn to run", async () => (await oc.messages(long!)).some((m) => m.info.role === "assistant"))

    await oc.restart()

    await oc.say(id, callSession({ mode: "status" }), "alpha")
    const afterRestart = await answeredBy(oc, id, "alpha")
    const status = toolOutcome(sessionToolParts(afterRestart).at(-1)!).text
    expect(status).toContain("Sessions you started (2):")
    expect(status.split("\n").find((line) => line.includes(quick!))).toMatch(/"New \(beta\): Quick job\."\W+new\W+agent beta\W+idle\b.*Quick job done\./)
    expect(status.split("\n").find((line) => line.includes(long!))).toMatch(/"Fork \(beta\): Long job\."\W+fork\W+agent beta\W.*report due/)

    // The person resumes the fork that the restart cut off; when it finishes, its report comes.
    await oc.say(long!, "@say Long job done after all.", "beta")
    const messages = await reportsAnswered(id, 1, 30_000)
    const [report] = reportsIn(messages)
    expect(reportedSessions(report!)).toEqual([long])
    expect(textOf(report!)).toContain(long!)
    expect(textOf(report!)).toContain("Long job done after all.")
  })
})
