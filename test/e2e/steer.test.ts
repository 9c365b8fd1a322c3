/**
 * Steering what the agents started, in a real OpenCode: stop one session or all of them, follow
 * a started session up (answered there, reported back, collected by wait), the person's
 * interrupt stopping what the interrupted turn started, and what each session cost.
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
  type CallRecord,
} from "./script.js"
import { answered, answeredBy, isReport, toasts } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: {
      alpha: { mode: "primary", description: "Leads." },
      beta: { mode: "primary", description: "Helps." },
      gamma: { mode: "primary", description: "Not to be stopped." },
    },
    permission: { session: { "*": "allow", "stop:gamma": "deny" } },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

type Result = { status: string; text: string; record?: CallRecord }

/** The result of the caller's latest `session` call (its words and its record), once it has completed. */
async function lastResult(callerID: string): Promise<Result> {
  return oc.waitFor("the latest session call's result", async () => {
    const part = sessionToolParts(await oc.messages(callerID)).at(-1)
    const outcome = part && toolOutcome(part)
    return outcome && (outcome.status === "completed" || outcome.status === "error") ? { ...outcome, record: callRecord(part) } : undefined
  })
}

async function isBusy(sessionID: string): Promise<boolean> {
  const statuses = (await oc.client.session.status()).data ?? {}
  return (statuses[sessionID]?.type ?? "idle") !== "idle"
}

/** The stop the plugin noted in a session it stopped: its marker, on the session's last message. */
async function stopNoted(sessionID: string): Promise<{ by?: string }> {
  return oc.waitFor(`a stop noted in ${sessionID}`, async () => {
    const last = (await oc.messages(sessionID)).at(-1)
    const marker = last && pluginMarker(last)
    return marker?.kind === "stop" ? marker : undefined
  })
}

async function callerSays(callerID: string, text: string): Promise<Result> {
  const before = sessionToolParts(await oc.messages(callerID)).length
  await oc.say(callerID, text, "alpha")
  await oc.waitFor("the new call", async () => sessionToolParts(await oc.messages(callerID)).length > before)
  return lastResult(callerID)
}

describe("stop", () => {
  it("stops one session by id while the other runs on, then the rest; status, reports and the sessions say stopped", async () => {
    const long = (name: string) => callSession({ mode: "new", agent: "beta", report: true, text: lines(`${name} is long.`, "@delay 60000") })
    const id = await oc.startSession(lines("Start two long ones.", long("One"), long("Two")), "alpha")
    const [one, two] = startedSessionsIn(await answered(oc, id, 1))
    await oc.waitFor("both to run", async () => (await isBusy(one!)) && (await isBusy(two!)))

    const stopOne = await callerSays(id, callSession({ mode: "stop", session: one! }))
    expect(stopOne.status).toBe("completed")
    expect(stopOne.record).toMatchObject({ kind: "stopped", sessions: [one] })
    expect(stopOne.text).toMatch(new RegExp(`^Stopped 1 session:\\n- ${one}[^\\n]*: stopped; its turn ends where it was\\.`))
    expect((await stopNoted(one!)).by).toBe("caller")
    await oc.waitFor(`${one} idle`, async () => !(await isBusy(one!)))
    expect(await isBusy(two!)).toBe(true)

    const status = (await callerSays(id, callSession({ mode: "status" }))).text.split("\n")
    expect(status.find((line) => line.includes(one!))).toMatch(/stopped \(the agent that started it stopped it\)/)
    expect(status.find((line) => line.includes(two!))).toMatch(/\bworking\b/)

    const stopRest = await callerSays(id, callSession({ mode: "stop" }))
    expect(stopRest.record).toMatchObject({ kind: "stopped", sessions: [two] })
    expect(stopRest.text).toMatch(new RegExp(`^Stopped 1 session:\\n- ${two}[^\\n]*: stopped;`))
    expect((await stopNoted(two!)).by).toBe("caller")
    // Both stopped, the turn that started them reports: once, together, each marked stopped.
    const report = await oc.waitFor("the gathered report", async () => (await oc.messages(id)).find(isReport))
    expect(textOf(report).match(/Stopped before it answered: the agent that started it stopped it/g)).toHaveLength(2)
    expect(reportedSessions(report)).toEqual([one, two])

    const again = await callerSays(id, callSession({ mode: "stop" }))
    expect(again.text).toMatch(/^Nothing to stop: none of the 2 sessions you started runs or waits to start/)
  })

  it("refuses a session this caller did not start, naming the ones it did", async () => {
    const stranger = await oc.startSession("@say I am on my own.", "beta")
    await answered(oc, stranger, 1)
    const id = await oc.startSession(callSession({ mode: "stop", session: stranger }), "alpha")
    const refused = await lastResult(id)
    expect(refused.status).toBe("error")
    expect(refused.text).toMatch(new RegExp(`stop: ${stranger} is not a session you started\\. You have started no sessions`))
    expect(await isBusy(stranger)).toBe(false)
  })

  it("applies permission.session as stop:<agent>: a denied stop is refused and the session runs on", async () => {
    const id = await oc.startSession(callSession({ mode: "new", agent: "gamma", text: lines("Keep at it.", "@delay 60000") }), "alpha")
    const [kept] = startedSessionsIn(await answered(oc, id, 1))
    await oc.waitFor("it to run", () => isBusy(kept!))
    const refused = await callerSays(id, callSession({ mode: "stop", session: kept! }))
    expect(refused.status).toBe("error")
    expect(refused.text).toContain("prevents you from using this specific tool call")
    expect(await isBusy(kept!)).toBe(true)
    await oc.client.session.abort({ path: { id: kept! } })
  })
})

describe("follow-up", () => {
  it("is answered in the started session by its agent, and its answer is reported back", async () => {
    const id = await oc.startSession(callSession({ mode: "new", agent: "beta", text: lines("First question.", "@say First answer.") }), "alpha")
    const [child] = startedSessionsIn(await answered(oc, id, 1))
    await answeredBy(oc, child!, "beta")

    const sent = await callerSays(id, callSession({ mode: "message", session: child!, report: true, text: lines("Second question.", "@say Second answer.") }))
    expect(sent.status).toBe("completed")
    expect(sent.record).toMatchObject({ kind: "follow-up", session: child, agent: "beta" })
    expect(sent.text).toMatch(new RegExp(`^Sent to session ${child} [^\\n]*: agent beta answers it now`))
    const childMessages = await answeredBy(oc, child!, "beta")
    const followUp = childMessages.find((message) => pluginMarker(message)?.kind === "follow-up")!
    expect(followUp.info.role === "user" && followUp.info.agent).toBe("beta")
    expect(pluginMarker(followUp)?.id).toBe(sent.record!.id)
    expect(textOf(followUp)).toMatch(
      /^\[Follow-up from agent "alpha" \(session ses_\w+, which started this session\)[^\]]*sent back to it[^\]]*\]\n\nSecond question\./,
    )

    const report = await oc.waitFor("the follow-up's report", async () => (await oc.messages(id)).find(isReport))
    expect(reportedSessions(report)).toEqual([`${child}/${sent.record!.id}`])
    expect(textOf(report)).toContain(`[Report from session ${child}`)
    expect(textOf(report)).toContain("Second answer.")
    expect(textOf(report)).not.toContain("First answer.")
  })

  it("joins a started session's running turn, to another agent when `agent` says so, and wait collects its answer", async () => {
    const id = await oc.startSession(
      lines("Start, correct it, then wait.", callSession({ mode: "new", agent: "beta", text: lines("Slow start.", "@delay 2500", "@say Started slowly.") })),
      "alpha",
    )
    const [child] = startedSessionsIn(await answered(oc, id, 1))
    await oc.say(
      id,
      lines(
        callSession({ mode: "message", session: child!, agent: "alpha", text: lines("A correction.", "@say Corrected.") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
      "alpha",
    )
    const resultOf = (mode: string) =>
      oc.waitFor(`the ${mode} call's result`, async () => {
        const part = sessionToolParts(await oc.messages(id))
          .filter((candidate) => candidate.state.input.mode === mode)
          .at(-1)
        const outcome = part && toolOutcome(part)
        return outcome?.status === "completed" ? outcome.text : undefined
      })
    expect(await resultOf("message")).toMatch(/takes it into its running turn/)
    const waited = await resultOf("wait")
    expect(waited).toMatch(new RegExp(`${child}[^\\n]*\\(agent alpha, follow-up[^\\n]*\\):\\nCorrected\\.`))
    const childMessages = await oc.messages(child!)
    // One turn: the first answer, then the correction read within it, answered by alpha.
    expect(childMessages.filter((message) => message.info.role === "user").map((message) => message.info.role === "user" && message.info.agent)).toEqual([
      "beta",
      "alpha",
    ])
    expect(textOf(childMessages.at(-1)!)).toBe("Corrected.")
  })

  it("refuses a session the caller did not start, and says how to hand over instead", async () => {
    const id = await oc.startSession(callSession({ mode: "message", session: "ses_nothere", text: "Hello?" }), "alpha")
    const refused = await lastResult(id)
    expect(refused.status).toBe("error")
    expect(refused.text).toMatch(
      /message with session "ses_nothere": no such session here. Valid: none \(this session was not started by the session tool[\s\S]*Leave session out to hand over/,
    )
  })
})

describe("the person's interrupt", () => {
  it("stops the fork the interrupted turn started, names it in a toast, and leaves one started in an earlier turn running", async () => {
    const id = await oc.startSession(callSession({ mode: "fork", agent: "beta", text: lines("Earlier work.", "@delay 60000") }), "alpha")
    const [earlier] = startedSessionsIn(await answered(oc, id, 1))
    const since = oc.events.length
    // The person's next message, whose turn starts a fork and then goes on (it hangs) until the person interrupts it.
    const text = lines(callSession({ mode: "fork", agent: "beta", text: lines("This turn's work.", "@delay 60000") }), "@after-tool @hang")
    await oc.client.session.promptAsync({ path: { id }, body: { agent: "alpha", parts: [{ type: "text", text }] } })
    const fork = await oc.waitFor("this turn's fork", async () => startedSessionsIn(await oc.messages(id))[1])
    await oc.waitFor("both forks to run", async () => (await isBusy(fork)) && (await isBusy(earlier!)))

    await oc.client.session.abort({ path: { id } })
    expect((await stopNoted(fork)).by).toBe("interrupt")
    const toast = await oc.waitFor("the toast", () => toasts(oc, since).find((t) => t.message.startsWith("Interrupted: also stopped")))
    expect(toast.message).toContain("This turn's work.")
    expect(await isBusy(earlier!)).toBe(true)
    await oc.client.session.abort({ path: { id: earlier! } })
  })
})

describe("what it cost", () => {
  it("status gives each started session's tokens as the model reported them, and their total", async () => {
    const id = await oc.startSession(
      lines(
        "Two costly ones.",
        callSession({ mode: "new", agent: "beta", text: lines("Costly.", "@usage 1234 56", "@say Spent.") }),
        callSession({ mode: "new", agent: "beta", text: lines("Cheaper.", "@usage 100 4", "@say Spent less.") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
      "alpha",
    )
    const [costly, cheaper] = startedSessionsIn(await answered(oc, id, 1))
    const waited = toolOutcome(sessionToolParts(await oc.messages(id)).at(-1)!).text
    expect(waited).toMatch(new RegExp(`${costly}[^\\n]*tokens 1234 in, 56 out`))
    const status = (await callerSays(id, callSession({ mode: "status" }))).text.split("\n")
    expect(status.find((line) => line.includes(costly!))).toMatch(/tokens 1234 in, 56 out/)
    expect(status.find((line) => line.includes(cheaper!))).toMatch(/tokens 100 in, 4 out/)
    expect(status).toContain("Together: tokens 1334 in, 60 out.")
  })
})
