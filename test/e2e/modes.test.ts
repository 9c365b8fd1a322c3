/**
 * The four modes of the `session` tool, called by real agents in a real OpenCode server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { AGENTS_OF_EVERY_KIND } from "./agents.js"
import { startOpencode, type Harness } from "./harness.js"
import { callSession, completedAt, lines, sessionToolParts, shape, startedBy, textOf, toolOutcome } from "./script.js"
import { answered as waitAnswered, answeredBy, fence as waitFence } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode(AGENTS_OF_EVERY_KIND)
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const answered = (sessionID: string, count: number) => waitAnswered(oc, sessionID, count)
const fence = (sessionID: string) => waitFence(oc, sessionID)

describe("message", () => {
  it("hands the conversation to another agent after the caller's turn ends", async () => {
    const id = await oc.startSession(lines("Please get this reviewed.", callSession({ mode: "message", agent: "beta", text: "Review the draft." })), "alpha")
    const messages = await answered(id, 2)
    expect(shape(messages)).toEqual(["user:alpha", "assistant:alpha", "assistant:alpha", "user:beta", "assistant:beta"])
    const [call] = sessionToolParts(messages)
    expect(toolOutcome(call!).status).toBe("completed")
    expect(toolOutcome(call!).text).toMatch(/agent beta continues this conversation[\s\S]*End your turn now/)
    expect(toolOutcome(call!).text).not.toContain("ignored")
    // The caller answered its tool result before the hand-off arrived: the hand-off joins the
    // caller's running turn once the answer's text has ended, so no idle falls between.
    expect(textOf(messages[2]!)).toContain("Done.")
    expect(messages[2]!.parts.some((part) => part.type === "text" && part.time?.start && part.time.start <= messages[3]!.info.time.created)).toBe(true)
    const handedOver = oc.events.findIndex((event) => event.type === "message.updated" && event.properties.info.id === messages[3]!.info.id)
    expect(handedOver).toBeGreaterThan(0)
    const idleBefore = oc.events
      .slice(0, handedOver)
      .some(
        (event) =>
          (event.type === "session.idle" && event.properties.sessionID === id) ||
          (event.type === "session.status" && event.properties.sessionID === id && event.properties.status.type === "idle"),
      )
    expect(idleBefore).toBe(false)
    // The target can tell who handed over, and that the person did not type it.
    expect(textOf(messages[3]!)).toMatch(/Handed over by agent "alpha".*not typed by the person/)
    expect(textOf(messages[3]!)).toContain("Review the draft.")
    expect(textOf(messages[4]!)).toContain("Review the draft.")
  })

  it("delivers several hand-offs of one turn, one turn each, in call order", async () => {
    const id = await oc.startSession(
      lines(
        "Three opinions, please.",
        callSession({ mode: "message", agent: "beta", text: "first" }),
        callSession({ mode: "message", agent: "plan", text: "second" }),
        callSession({ mode: "message", agent: "scribe", text: "third" }),
      ),
      "alpha",
    )
    await answered(id, 4)
    const messages = await fence(id)
    expect(shape(messages)).toEqual([
      "user:alpha",
      "assistant:alpha",
      "assistant:alpha",
      "user:beta",
      "assistant:beta",
      "user:plan",
      "assistant:plan",
      "user:scribe",
      "assistant:scribe",
      "user:build",
      "assistant:build",
    ])
    expect([3, 5, 7].map((i) => textOf(messages[i]!).split("\n").at(-1))).toEqual(["first", "second", "third"])
  })

  it("uses the caller's own agent when none is named, and the target can pass back", async () => {
    const back = callSession({ mode: "message", agent: "alpha", text: "Back to you." })
    const id = await oc.startSession(
      lines("Ping-pong.", callSession({ mode: "message", text: lines("To myself.", callSession({ mode: "message", agent: "beta", text: back })) })),
      "plan",
    )
    const messages = await answered(id, 4)
    expect(shape(messages).filter((s) => s.startsWith("user:"))).toEqual(["user:plan", "user:plan", "user:beta", "user:alpha"])
    expect(textOf(messages.at(-2)!)).toContain('Handed over by agent "beta"')
  })
})

describe("new", () => {
  it("starts a clean session with the chosen agent and returns without waiting for its answer", async () => {
    const id = await oc.startSession(
      lines("Earlier context the new session must not see.", callSession({ mode: "new", agent: "beta", text: lines("Write the changelog.", "@delay 4000") })),
      "alpha",
    )
    const messages = await answered(id, 1)
    const [call] = sessionToolParts(messages)
    const outcome = toolOutcome(call!)
    expect(outcome.status).toBe("completed")
    const childID = startedBy(call!)!
    expect(childID).toBeDefined()
    const child = (await oc.client.session.get({ path: { id: childID } })).data!
    expect(outcome.text).toContain(child.title)
    expect(child.title).toContain("beta")
    expect(child.title).toContain("Write the changelog.")

    const childMessages = await answered(childID, 1)
    expect(shape(childMessages)).toEqual(["user:beta", "assistant:beta"])
    expect(textOf(childMessages[0]!)).not.toContain("Earlier context")
    expect(textOf(childMessages[0]!)).toMatch(/^\[Started by agent "alpha"[^\]]*not typed by the person/)
    // The caller's turn was over before the new session's agent had answered.
    expect(completedAt(messages.at(-1)!)).toBeLessThan(completedAt(childMessages[1]!))
    expect(completedAt(childMessages[1]!) - completedAt(messages.at(-1)!)).toBeGreaterThan(2_000)
  })
})

describe("compact", () => {
  it("compacts once after the caller's turn, then the chosen agent continues", async () => {
    const id = await oc.startSession("Some history to compact.", "alpha")
    await answered(id, 1)
    await oc.say(id, lines("Now compact and hand over.", callSession({ mode: "compact", agent: "beta", text: "Continue from the summary." })), "alpha")
    const messages = await answeredBy(oc, id, "beta")
    const kinds = shape(messages)
    const summaryAt = kinds.indexOf("assistant:compaction:summary")
    expect(kinds.filter((k) => k.endsWith(":summary"))).toHaveLength(1)
    expect(summaryAt).toBeGreaterThan(kinds.lastIndexOf("assistant:alpha"))
    expect(kinds.slice(summaryAt + 1)).toEqual(["user:beta", "assistant:beta"])
    expect(textOf(messages.at(-2)!)).toMatch(/after compacting the conversation/)
    // The caller answered its tool result before compaction started, and it all happened in the
    // caller's turn: no idle between the caller's words and beta's answer.
    const callerLast = messages[kinds.lastIndexOf("assistant:alpha")]!
    expect(textOf(callerLast)).toContain("Done.")
    expect(messages.indexOf(callerLast)).toBeLessThan(summaryAt - 1)
    const requested = oc.events.findIndex((event) => event.type === "message.updated" && event.properties.info.id === messages[summaryAt - 1]!.info.id)
    const idleBefore = oc.events
      .slice(requested)
      .findIndex((event) => event.type === "session.status" && event.properties.sessionID === id && event.properties.status.type === "idle")
    const betaStarted = oc.events
      .slice(requested)
      .findIndex((event) => event.type === "message.updated" && event.properties.info.id === messages.at(-1)!.info.id)
    expect(betaStarted).toBeGreaterThan(0)
    expect(idleBefore === -1 || idleBefore > betaStarted).toBe(true)
  })
})

describe("fork", () => {
  it("copies the history before the calling turn, with no half-finished call, and hands it to the agent", async () => {
    const id = await oc.startSession("The idea we discussed.", "alpha")
    await answered(id, 1)
    await oc.say(id, lines("Explore an alternative.", callSession({ mode: "fork", agent: "beta", text: "Try the alternative." })), "alpha")
    const messages = await oc.messages(id)
    const [call] = sessionToolParts(messages)
    expect(toolOutcome(call!).status).toBe("completed")
    const forkID = startedBy(call!)!
    const forked = await answered(forkID, 2)
    expect(shape(forked)).toEqual(["user:alpha", "assistant:alpha", "user:alpha", "user:beta", "assistant:beta"])
    expect(textOf(forked[0]!)).toContain("The idea we discussed.")
    expect(textOf(forked[2]!)).toContain("Explore an alternative.")
    expect(sessionToolParts(forked)).toHaveLength(0)
    expect(textOf(forked[3]!)).toContain("Try the alternative.")
    const fork = (await oc.client.session.get({ path: { id: forkID } })).data!
    expect(fork.title).toMatch(/^Fork \(beta\): Try the alternative\./)
  })

  it("makes one working fork per parallel call in the same turn", async () => {
    const id = await oc.startSession(
      lines(
        "Three approaches.",
        callSession({ mode: "fork", agent: "beta", text: "Approach A" }),
        callSession({ mode: "fork", agent: "plan", text: "Approach B" }),
        callSession({ mode: "fork", text: "Approach C" }),
      ),
      "alpha",
    )
    const messages = await answered(id, 1)
    const calls = sessionToolParts(messages)
    expect(calls.map((call) => toolOutcome(call).status)).toEqual(["completed", "completed", "completed"])
    const forkIDs = calls.map((call) => startedBy(call)!)
    expect(new Set(forkIDs).size).toBe(3)
    const answers = await Promise.all(forkIDs.map((forkID) => answered(forkID, 1)))
    expect(answers.map((forked) => shape(forked).slice(-2))).toEqual([
      ["user:beta", "assistant:beta"],
      ["user:plan", "assistant:plan"],
      ["user:alpha", "assistant:alpha"],
    ])
    expect(answers.map((forked) => textOf(forked.at(-2)!).split("\n").at(-1))).toEqual(["Approach A", "Approach B", "Approach C"])
    for (const forked of answers) expect(sessionToolParts(forked)).toHaveLength(0)
  })
})

describe("refusals", () => {
  const cases = [
    { agent: "nobody", why: "does not exist or is disabled" },
    { agent: "retired", why: "does not exist or is disabled" },
    { agent: "helper", why: "is a subagent" },
    { agent: "compaction", why: "is hidden" },
  ]
  for (const { agent, why } of cases) {
    it(`refuses agent "${agent}" (${why}) for every mode, before anything is sent or created`, async () => {
      const before = (await oc.client.session.list()).data!.length
      const id = await oc.startSession(lines(...["message", "new", "compact", "fork"].map((mode) => callSession({ mode, agent, text: "anything" }))), "alpha")
      const messages = await answered(id, 1)
      const outcomes = sessionToolParts(messages).map(toolOutcome)
      expect(outcomes).toHaveLength(4)
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("error")
        expect(outcome.text).toContain(`agent "${agent}" ${why}`)
        expect(outcome.text).toMatch(/Valid agents: .*alpha.*beta/)
        expect(outcome.text).not.toMatch(/Valid agents: .*helper/)
      }
      const after = await fence(id)
      expect(shape(after).filter((s) => s.startsWith("user:"))).toEqual(["user:alpha", "user:build"])
      expect((await oc.client.session.list()).data!.length).toBe(before + 1)
    })
  }

  it("refuses calls from a subagent: only primary agents hand work over", async () => {
    const id = await oc.startSession(callSession({ mode: "message", agent: "beta", text: "from a subagent" }), "helper")
    const outcome = toolOutcome(sessionToolParts(await answered(id, 1))[0]!)
    expect(outcome.status).toBe("error")
    expect(outcome.text).toContain('"helper" is a subagent')
    const after = await fence(id)
    expect(shape(after).filter((s) => s.startsWith("user:"))).toEqual(["user:helper", "user:build"])
  })

  it("refuses an empty text, saying what is needed", async () => {
    const id = await oc.startSession(callSession({ mode: "message", agent: "beta", text: "   " }), "alpha")
    const outcome = toolOutcome(sessionToolParts(await answered(id, 1))[0]!)
    expect(outcome.status).toBe("error")
    expect(outcome.text).toContain("needs a non-empty `text`")
  })
})

describe("tool description", () => {
  it("names every valid primary agent with its own description (short ones whole), and nothing else", async () => {
    const tool = oc.model.lastSessionTool()!
    const description = tool.function.description!
    for (const name of ["alpha", "beta", "build", "plan", "scribe"]) expect(description).toContain(`${name}`)
    expect(description).toContain("alpha (Writes the first draft of anything asked.)")
    expect(description).toContain("scribe (Keeps the minutes)")
    for (const name of ["helper", "retired", "compaction", "explore", "general"]) expect(description).not.toContain(name)
  })
})
