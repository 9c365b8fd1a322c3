/**
 * `mode: "wait"` in a real OpenCode: the caller's tool call returns once what it started has
 * finished, with every answer, inside the caller's turn; a timeout returns what has finished;
 * the person's interrupt ends it at once; what it returned is not reported again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness, type StoredMessage } from "./harness.js"
import {
  callRecord,
  callSession,
  completedAt,
  lines,
  reportedSessions,
  sessionToolParts,
  startedSessionsIn,
  textOf,
  toolOutcome,
  type ToolPart,
} from "./script.js"
import { answered, answeredBy, isHandoff, isReport } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({ agents: { alpha: { mode: "primary", description: "Compares." }, beta: { mode: "primary", description: "Explores." } } })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const waitCalls = (messages: StoredMessage[]) => sessionToolParts(messages).filter((part) => part.state.input.mode === "wait")
const endOf = (part: ToolPart) => (part.state.status === "completed" || part.state.status === "error" ? part.state.time.end : Infinity)

describe("wait", () => {
  it("after a fork and a new session, returns both answers within the caller's turn, and they are not reported again", async () => {
    const id = await oc.startSession(
      lines(
        "Try two approaches, then compare them.",
        callSession({ mode: "fork", agent: "beta", text: lines("Approach A", "@delay 200", "@say Result A") }),
        callSession({ mode: "new", agent: "beta", report: true, text: lines("Approach B", "@delay 1500", "@say Result B") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
      "alpha",
    )
    const messages = await answered(oc, id, 1, 30_000)
    const [waited] = waitCalls(messages)
    expect(waited).toBeDefined()
    const result = toolOutcome(waited!)
    expect(result.status).toBe("completed")
    const children = startedSessionsIn(messages)
    expect(children).toHaveLength(2)
    expect(callRecord(waited!)).toMatchObject({ kind: "collected", sessions: children })
    expect(result.text.split("\n")[0]).toBe(`Finished: 2 of 2 (${children.join(", ")}).`)
    expect(result.text).toContain("Result A")
    expect(result.text).toContain("Result B")
    // Returned once the slower one had answered, and inside the one turn: a single person message, no hand-off.
    const slowest = Math.max(...(await Promise.all(children.map(async (child) => completedAt((await answeredBy(oc, child, "beta")).at(-1)!)))))
    expect(endOf(waited!)).toBeGreaterThanOrEqual(slowest)
    expect(messages.filter((m) => m.info.role === "user")).toHaveLength(1)
    // The report B asked for already reached the caller through the wait: none comes after.
    await oc.say(id, "@say fence", "alpha")
    const all = await answeredBy(oc, id, "alpha")
    expect(all.filter(isHandoff)).toEqual([])
  })

  it("at its timeout returns what has finished and names what still runs; the late one reports later", async () => {
    const id = await oc.startSession(
      lines(
        "Start two, wait a second.",
        callSession({ mode: "fork", agent: "beta", report: true, text: lines("Quick", "@say Quick done") }),
        callSession({ mode: "fork", agent: "beta", report: true, text: lines("Slow", "@delay 4000", "@say Slow done") }),
        `@after-tool ${callSession({ mode: "wait", timeout: 1 })}`,
      ),
      "alpha",
    )
    const messages = await answered(oc, id, 1, 30_000)
    const [quick, slow] = startedSessionsIn(messages)
    expect(callRecord(waitCalls(messages)[0]!)).toMatchObject({ kind: "collected", sessions: [quick] })
    const result = toolOutcome(waitCalls(messages)[0]!)
    expect(result.text.split("\n")[0]).toBe(`Finished: 1 of 2 (${quick}).`)
    expect(result.text).toContain("Quick done")
    expect(result.text).toMatch(new RegExp(`Still running after 1 s: ${slow} `))
    // The slow one's answer still comes back, as a report holding it alone (the quick one reached the caller already).
    const reported = await oc.waitFor(
      "the slow fork's report",
      async () => (await oc.messages(id)).find((m) => isReport(m) && reportedSessions(m).includes(slow!)),
      30_000,
    )
    expect(reportedSessions(reported)).toEqual([slow])
    expect(textOf(reported)).toContain("Slow done")
    expect(textOf(reported)).not.toContain("Quick done")
  })

  it("ends at once when the person interrupts the caller, and a session started in an earlier turn runs on", async () => {
    // Started in an earlier turn: the interrupt stops only what the interrupted turn started (steer.test.ts).
    const id = await oc.startSession(
      lines("Start one.", callSession({ mode: "fork", agent: "beta", text: lines("Long", "@delay 5000", "@say Long done") })),
      "alpha",
    )
    const [child] = startedSessionsIn(await answered(oc, id, 1))
    await oc.client.session.promptAsync({
      path: { id },
      body: { agent: "alpha", parts: [{ type: "text", text: lines("Now wait.", callSession({ mode: "wait" })) }] },
    })
    await oc.waitFor("the wait call running", async () => waitCalls(await oc.messages(id)).some((part) => part.state.status === "running"))
    const abortedAt = Date.now()
    await oc.client.session.abort({ path: { id } })
    await oc.waitIdle(id)
    const part = await oc.waitFor("the wait call ended", async () =>
      waitCalls(await oc.messages(id)).find((p) => p.state.status === "error" || p.state.status === "completed"),
    )
    expect(endOf(part)).toBeLessThan(abortedAt + 1000)
    const childMessages = await answeredBy(oc, child!, "beta", 15_000)
    expect(textOf(childMessages.at(-1)!)).toContain("Long done")
  })

  it("refuses to wait on the caller itself or on a session it did not start, naming what is valid", async () => {
    const other = await oc.startSession("@say I am someone else's.", "alpha")
    await answered(oc, other, 1)
    const id = await oc.startSession(lines("Wait on nothing.", callSession({ mode: "wait", session: other })), "alpha")
    const messages = await answered(oc, id, 1)
    const refused = toolOutcome(waitCalls(messages)[0]!)
    expect(refused.status).toBe("error")
    expect(refused.text).toContain(`${other} is not a session you started. You have started no sessions`)
    const nothing = await oc.startSession(lines("Wait.", callSession({ mode: "wait" })), "alpha")
    const plain = toolOutcome(waitCalls(await answered(oc, nothing, 1))[0]!)
    expect(plain.text).toMatch(/^Nothing to wait for\b.*started no sessions/)
  })

  it("names the valid modes when a mode is unknown", async () => {
    const id = await oc.startSession(lines("Try a mode that does not exist.", callSession({ mode: "collect" })), "alpha")
    const outcome = toolOutcome(sessionToolParts(await answered(oc, id, 1))[0]!)
    expect(outcome.status).toBe("error")
    for (const mode of ["message", "new", "compact", "fork", "status", "wait"]) expect(outcome.text).toContain(mode)
  })
})
