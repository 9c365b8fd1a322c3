/**
 * State the plugin can trust: OpenCode stopped and started again on the same data, with every
 * word the model reads turned around (a test-only wording, OPENCODE_SESSIONS_TEST_WORDING), so
 * that nothing could work by reading those words back. An accepted hand-off whose turn the stop
 * cut short is delivered once after it; a fork that waited for a place runs after it; status,
 * wait and reports read the same; a report owed is sent once, also when two OpenCode processes
 * start on the same data; a follow-up accepted and not yet delivered is delivered once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness } from "./harness.js"
import {
  callRecord,
  callSession,
  lines,
  pluginMarker,
  reportedSessions,
  sessionToolParts,
  startedSessionsIn,
  textOf,
  toolOutcome,
  type ToolPart,
} from "./script.js"
import { answeredBy, isHandoff, isReport } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: { alpha: { mode: "primary", description: "Leads." }, beta: { mode: "primary", description: "Helps." } },
    pluginOptions: { maxRunning: 1 },
    env: { OPENCODE_SESSIONS_TEST_WORDING: "reversed" },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const reverse = (text: string) => [...text].reverse().join("")

/** Waits until the caller's session calls are all done (their records on them). */
async function calls(sessionID: string, count: number): Promise<ToolPart[]> {
  return oc.waitFor(`${count} completed session calls in ${sessionID}`, async () => {
    const parts = sessionToolParts(await oc.messages(sessionID)).filter((part) => part.state.status === "completed")
    return parts.length >= count ? parts : undefined
  })
}

describe("across a stop of OpenCode", () => {
  it("speaks the test-only wording: every word the model reads is turned around", async () => {
    const id = await oc.startSession(callSession({ mode: "status" }), "alpha")
    const [status] = await calls(id, 1)
    expect(toolOutcome(status!).text).toBe(reverse("Sessions you started: none.\nQueued here: none."))
    expect(oc.model.lastSessionTool()?.function.description).toMatch(/:edom \.stnega rehto ot krow dnaH/)
  })

  it("delivers, once, a hand-off accepted in a turn the stop cut short", async () => {
    const id = await oc.startSession(
      lines("Hand it over.", callSession({ mode: "message", agent: "beta", text: "@say Beta took over after the restart." }), "@after-tool @hang"),
      "alpha",
    )
    const [call] = await calls(id, 1)
    expect(callRecord(call!)).toMatchObject({ kind: "handoff", mode: "message", agent: "beta" })

    await oc.restart()

    const messages = await answeredBy(oc, id, "beta", 30_000)
    const delivered = messages.filter(isHandoff)
    expect(delivered).toHaveLength(1)
    expect(pluginMarker(delivered[0]!)).toMatchObject({ kind: "message", callID: call!.callID })
    expect(textOf(messages.at(-1)!)).toContain("Beta took over after the restart.")

    // Delivered is delivered: another stop and start sends nothing again.
    await oc.restart()
    await oc.say(id, "@say Still here.", "alpha")
    expect((await oc.messages(id)).filter(isHandoff)).toHaveLength(1)
  })

  it("starts, after the stop, the fork that waited for a free place; status and wait read the same", async () => {
    const id = await oc.startSession(
      lines(
        "Two ways, one at a time.",
        callSession({ mode: "fork", agent: "beta", text: lines("Way one.", "@hang") }),
        callSession({ mode: "fork", agent: "beta", text: "@say Way two done." }),
        "@after-tool @hang",
      ),
      "alpha",
    )
    const parts = await calls(id, 2)
    const [first, second] = startedSessionsIn(await oc.messages(id))
    expect(parts.map(callRecord).map((record) => record?.waiting)).toEqual([false, true])

    await oc.restart()

    await answeredBy(oc, second!, "beta", 30_000)
    // Lineage reads the same after the stop: both sessions, from the records.
    await oc.say(id, lines(callSession({ mode: "status" }), `@after-tool ${callSession({ mode: "wait", timeout: 2 })}`), "alpha")
    const after = await oc.messages(id)
    expect(startedSessionsIn(after)).toEqual([first, second])
    const wait = sessionToolParts(after).find((part) => part.state.input.mode === "wait")!
    expect(callRecord(wait)).toMatchObject({ kind: "collected", sessions: [second] })
    const status = reverse(toolOutcome(sessionToolParts(after).find((part) => part.state.input.mode === "status")!).text)
    expect(status).toMatch(new RegExp(`${first}[^\\n]*cut off mid-turn when OpenCode stopped`))
    expect(status).toMatch(new RegExp(`${second}[^\\n]*idle`))
    // The wait's record keeps which answer it returned: the next wait waits for the other only.
    await oc.say(id, callSession({ mode: "wait", timeout: 1 }), "alpha")
    const again = sessionToolParts(await oc.messages(id))
      .filter((part) => part.state.input.mode === "wait")
      .at(-1)!
    expect(callRecord(again)).toMatchObject({ kind: "collected", sessions: [] })
    expect(reverse(toolOutcome(again).text)).toMatch(new RegExp(`Still running after 1 s: ${first}`))
  })

  it("keeps a start after another waiting across the stop, and starts it with that one's answer once it has one", async () => {
    const id = await oc.startSession(
      lines(
        "Dig, then check.",
        callSession({ mode: "new", agent: "beta", name: "digger", text: lines("Dig.", "@hang") }),
        callSession({ mode: "new", agent: "beta", name: "checker", after: "digger", text: "@say Checked." }),
      ),
      "alpha",
    )
    const parts = await calls(id, 2)
    const [digger, checker] = startedSessionsIn(await oc.messages(id))
    expect(parts.map(callRecord).map((record) => record?.waiting)).toEqual([false, true])

    await oc.restart()

    // The digger was cut off by the stop: the checker still waits, as status says.
    await oc.say(id, callSession({ mode: "status" }), "alpha")
    const status = reverse(toolOutcome(sessionToolParts(await oc.messages(id)).at(-1)!).text)
    expect(status).toContain(`checker (${checker}) "`)
    expect(status).toContain(`waiting to start until digger (${digger}) finished (after)`)
    expect(await oc.messages(checker!)).toEqual([])

    // The person finishes the digger's work: the checker starts, with its answer.
    await oc.say(digger!, "@say Dug: the answer is 7.", "beta")
    const checked = await answeredBy(oc, checker!, "beta", 30_000)
    expect(textOf(checked.find((message) => message.info.role === "user")!)).toContain("Dug: the answer is 7.")
  })

  it("sends, once, a follow-up accepted for a running session when the stop came before it joined", async () => {
    const id = await oc.startSession(callSession({ mode: "new", agent: "beta", text: lines("Long first turn.", "@delay 60000") }), "alpha")
    await calls(id, 1)
    const [child] = startedSessionsIn(await oc.messages(id))
    await oc.waitFor(`${child} to run`, async () => ((await oc.client.session.status()).data ?? {})[child!]?.type === "busy")
    const followUp = lines("A correction.", "@say Corrected after the restart.")
    await oc.say(id, callSession({ mode: "message", session: child!, text: followUp }), "alpha")
    const [, call] = await calls(id, 2)
    expect(callRecord(call!)).toMatchObject({ kind: "follow-up", session: child, agent: "beta" })

    await oc.restart()

    const answered = await oc.waitFor(
      "the follow-up's answer",
      async () => {
        const messages = await answeredBy(oc, child!, "beta", 30_000)
        return textOf(messages.at(-1)!) === "Corrected after the restart." ? messages : undefined
      },
      30_000,
    )
    expect(answered.filter((message) => pluginMarker(message)?.kind === "follow-up")).toHaveLength(1)
    await oc.restart()
    await oc.say(id, "@say Still here.", "alpha")
    expect((await oc.messages(child!)).filter((message) => pluginMarker(message)?.kind === "follow-up")).toHaveLength(1)
  })

  it("sends once a report owed when OpenCode stopped, with a second OpenCode process starting on the same data", async () => {
    const id = await oc.startSession(
      lines("Ask and keep busy.", callSession({ mode: "fork", agent: "beta", report: true, text: "@say The report's answer." }), "@after-tool @hang"),
      "alpha",
    )
    await calls(id, 1)
    const [child] = startedSessionsIn(await oc.messages(id))
    await answeredBy(oc, child!, "beta")

    // The caller's turn still runs (it hangs): the report waits for it to end, and OpenCode stops
    // first. Then two OpenCode processes start on the same data, a moment apart (started at the
    // very same moment, OpenCode's own start-up on one database can fail), and both look.
    const restarting = oc.restart()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const [twin] = await Promise.all([oc.twin(), restarting])
    try {
      const reports = await oc.waitFor(
        "the report",
        async () => {
          const found = (await oc.messages(id)).filter(isReport)
          return found.length ? found : undefined
        },
        30_000,
      )
      expect(reportedSessions(reports[0]!)).toEqual([child])
      // Both processes looked; give the slower one time to have sent a second.
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect((await oc.messages(id)).filter(isReport)).toHaveLength(1)
    } finally {
      await twin.stop()
    }
  })
})
