/**
 * Seeing and collecting what started sessions did: `status`, `report`, per-turn `model`, and
 * the toasts that keep the person informed — in a real OpenCode.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness, type StoredMessage } from "./harness.js"
import { callSession, completedAt, lines, reportedSessions, sessionToolParts, shape, startedSessionsIn, textOf, toolOutcome } from "./script.js"
import { answered, answeredBy, isReport, toasts } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: { alpha: { mode: "primary", description: "First." }, beta: { mode: "primary", description: "Second." } },
    models: ["alpha", "beta"],
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const reportsIn = (messages: StoredMessage[]) => messages.filter(isReport)

describe("status", () => {
  it("lists the sessions this one started, with agent, state and latest answer, and its queued hand-offs", async () => {
    const id = await oc.startSession(
      lines(
        "Fan out.",
        callSession({ mode: "fork", agent: "beta", text: lines("Quick idea.", "@say The quick idea works.") }),
        callSession({ mode: "new", agent: "alpha", text: lines("Slow idea.", "@delay 6000") }),
        callSession({ mode: "new", agent: "beta", text: lines("Doomed idea.", "@fail") }),
      ),
      "alpha",
    )
    const [quick, slow, doomed] = startedSessionsIn(await answered(oc, id, 1))
    await answeredBy(oc, quick!, "beta")
    await oc.waitFor("the doomed session to fail", async () => (await oc.messages(doomed!)).some((m) => m.info.role === "assistant" && m.info.error))

    await oc.say(
      id,
      lines(callSession({ mode: "message", agent: "beta", text: "Queued for later review." }), `@after-tool ${callSession({ mode: "status" })}`),
      "alpha",
    )
    const outcome = toolOutcome(sessionToolParts(await oc.messages(id)).at(-1)!)
    expect(outcome.status).toBe("completed")
    const report = outcome.text.split("\n")
    expect(report[0]).toBe("Sessions you started (3):")
    // Each session on its line: id, title, mode, agent, state, and its latest answer.
    expect(report.find((l) => l.includes(quick!))).toMatch(/"Fork \(beta\): Quick idea\."\W+fork\W+agent beta\W+idle\b.*The quick idea works\./)
    expect(report.find((l) => l.includes(slow!))).toMatch(/"New \(alpha\): Slow idea\."\W+new\W+agent alpha\W+working/)
    expect(report.find((l) => l.includes(doomed!))).toMatch(/new\W+agent beta\W+failed/)
    expect(report.find((l) => l.startsWith("Queued here"))).toMatch(/\(1\)/)
    expect(report.find((l) => l.includes("Queued for later review."))).toMatch(/message\b.*\bbeta\b/)
    expect(outcome.text.length).toBeLessThan(900)
  })

  it("needs no text, and says so plainly when nothing was started", async () => {
    const id = await oc.startSession(callSession({ mode: "status" }), "alpha")
    const outcome = toolOutcome(sessionToolParts(await answered(oc, id, 1))[0]!)
    expect(outcome.status).toBe("completed")
    expect(outcome.text).toMatch(/^Sessions you started: none\.\nQueued here: none\.$/)
  })
})

describe("report", () => {
  it("sends a started session's final answer back to the caller, handled by the caller's agent", async () => {
    const id = await oc.startSession(
      lines("Delegate.", callSession({ mode: "new", agent: "beta", report: true, text: lines("Count the files.", "@delay 1000", "@say There are 42 files.") })),
      "alpha",
    )
    const child = startedSessionsIn(await answered(oc, id, 1))[0]!
    const messages = await oc.waitFor("the report to be answered", async () => {
      const all = await oc.messages(id)
      return reportsIn(all).length === 1 && all.at(-1)?.info.role === "assistant" && completedAt(all.at(-1)!) < Infinity ? all : undefined
    })
    const [delivered] = reportsIn(messages)
    expect(reportedSessions(delivered!)).toEqual([child])
    expect(delivered!.info.role === "user" && delivered!.info.agent).toBe("alpha")
    expect(textOf(delivered!)).toContain(`[Report from session ${child} "New (beta): Count the files."`)
    expect(textOf(delivered!)).toContain('(agent "beta")')
    expect(textOf(delivered!)).toContain("There are 42 files.")
    expect(shape(messages).slice(-2)).toEqual(["user:alpha", "assistant:alpha"])
  })

  it('report: "each" delivers reports that arrive together once each, in the order they arrived', async () => {
    const id = await oc.startSession(
      lines(
        "Compare three approaches.",
        ...["A", "B", "C"].map((name, i) =>
          callSession({ mode: "fork", agent: "beta", report: "each", text: lines(`Approach ${name}`, `@delay ${300 * i}`, `@say Result ${name}`) }),
        ),
      ),
      "alpha",
    )
    const forks = startedSessionsIn(await answered(oc, id, 1))
    expect(forks).toHaveLength(3)
    const messages = await oc.waitFor("three reports, answered", async () => {
      const all = await oc.messages(id)
      const done = all.at(-1)?.info.role === "assistant" && completedAt(all.at(-1)!) < Infinity
      return reportsIn(all).length >= 3 && done ? all : undefined
    })
    // Arrival order: when each fork's answer was completed.
    const finishedAt = await Promise.all(
      forks.map(async (fork) => {
        return completedAt((await oc.messages(fork)).at(-1)!)
      }),
    )
    const arrival = forks
      .map((fork, i) => ({ fork, at: finishedAt[i]! }))
      .sort((a, b) => a.at - b.at)
      .map((f) => f.fork)
    const reports = reportsIn(messages)
    expect(reports).toHaveLength(3)
    expect(reports.map(reportedSessions)).toEqual(arrival.map((fork) => [fork]))
    // Each report is its own turn, answered by the caller's agent.
    for (const report of reports) {
      const next = messages[messages.indexOf(report) + 1]!
      expect(next.info.role === "assistant" && next.info.mode).toBe("alpha")
    }
  })
})

describe("model", () => {
  it("runs the target turn on the named model", async () => {
    const id = await oc.startSession(
      lines(
        callSession({ mode: "message", agent: "beta", model: "scripted/beta", text: "On the other model." }),
        callSession({ mode: "new", agent: "beta", model: "scripted/beta", text: "New, other model." }),
      ),
      "alpha",
    )
    const messages = await answeredBy(oc, id, "beta")
    const last = messages.at(-1)!
    expect(last.info.role === "assistant" && `${last.info.providerID}/${last.info.modelID}`).toBe("scripted/beta")
    const caller = messages[1]!
    expect(caller.info.role === "assistant" && caller.info.modelID).toBe("alpha")
    expect(startedSessionsIn(messages)).toHaveLength(1)
    const child = await answeredBy(oc, startedSessionsIn(messages)[0]!, "beta")
    expect(child.at(-1)!.info.role === "assistant" && (child.at(-1)!.info as { modelID: string }).modelID).toBe("beta")
  })

  it("refuses an unknown model with valid examples, and sends nothing", async () => {
    const before = (await oc.client.session.list()).data!.length
    const id = await oc.startSession(
      lines(
        callSession({ mode: "new", agent: "beta", model: "scripted/gamma", text: "x" }),
        callSession({ mode: "message", agent: "beta", model: "nowhere/alpha", text: "x" }),
        callSession({ mode: "fork", agent: "beta", model: "alpha", text: "x" }),
      ),
      "alpha",
    )
    const messages = await answered(oc, id, 1)
    const outcomes = sessionToolParts(messages).map(toolOutcome)
    expect(outcomes.map((o) => o.status)).toEqual(["error", "error", "error"])
    expect(outcomes[0]!.text).toContain('model "scripted/gamma" is not a model of provider "scripted"')
    expect(outcomes[1]!.text).toContain('names no configured provider ("nowhere")')
    expect(outcomes[2]!.text).toContain("is not of the form provider/model")
    for (const o of outcomes) expect(o.text).toMatch(/for example: .*scripted\/alpha/)
    await oc.waitIdle(id)
    expect((await oc.client.session.list()).data!.length).toBe(before + 1)
    expect(shape(await oc.messages(id)).filter((s) => s.startsWith("user:"))).toEqual(["user:alpha"])
  })
})

describe("toasts", () => {
  it("shows who handed what to whom, for hand-offs, spawns, forks, compactions and reports", async () => {
    const since = oc.events.length
    const id = await oc.startSession(
      lines(
        callSession({ mode: "message", agent: "beta", text: "Hand-off toast." }),
        callSession({ mode: "new", agent: "beta", report: true, text: "Spawn toast." }),
        callSession({ mode: "fork", agent: "alpha", text: "Fork toast." }),
      ),
      "alpha",
    )
    await answered(oc, id, 1)
    await oc.waitFor("a report toast", () => toasts(oc, since).find((t) => t.message.startsWith("Report: beta")))
    await oc.waitFor("the report to be answered", async () => reportsIn(await oc.messages(id)).length === 1)
    await oc.waitIdle(id)
    await oc.say(id, callSession({ mode: "compact", agent: "beta", text: "Compaction toast." }), "alpha")
    await oc.waitFor("a compaction toast", () => toasts(oc, since).find((t) => t.message.startsWith("Compacted")))
    const shown = toasts(oc, since).map((t) => t.message)
    expect(shown).toContain("alpha → beta: Hand-off toast.")
    expect(shown).toContainEqual(expect.stringMatching(/^alpha started beta: New \(beta\): Spawn toast\.$/))
    expect(shown).toContainEqual(expect.stringMatching(/^alpha forked alpha: Fork \(alpha\): Fork toast\.$/))
    expect(shown).toContainEqual(expect.stringMatching(/^Report: beta \(New \(beta\): Spawn toast\.\) → alpha$/))
    expect(shown).toContainEqual(expect.stringMatching(/^alpha → compact → beta: Compaction toast\.$/))
    expect(shown).toContain(`Compacted ${id}; beta continues.`)
  })
})
