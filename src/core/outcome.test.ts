import { describe, expect, it } from "vitest"
import { outcomeOf, spentIn, turnOutcomes } from "./outcome.js"
import { markerMetadata, type MessageMarker, type Stored } from "./protocol.js"

function user(id: string, text: string, marker?: MessageMarker): Stored {
  return { info: { id, role: "user" }, parts: [{ type: "text", text, metadata: marker ? markerMetadata(marker) : undefined }] }
}
function assistant(id: string, answer: string, info: Partial<Stored["info"]> = {}): Stored {
  return { info: { id, role: "assistant", time: { created: 1, completed: 2 }, finish: "stop", ...info }, parts: answer ? [{ type: "text", text: answer }] : [] }
}
const start = (fromSession = "ses_caller"): MessageMarker => ({
  kind: "start",
  fromAgent: "build",
  fromSession,
  mode: "fork",
  agent: "plan",
  report: "together",
  call: "a1",
  title: "Fork (plan): x",
})
const followUp = (id: string): MessageMarker => ({ kind: "follow-up", fromAgent: "build", fromSession: "ses_caller", id })
const stopped = (by: "caller" | "max-tokens" = "caller"): MessageMarker =>
  by === "max-tokens" ? { kind: "stop", fromSession: "ses_caller", by, limit: 100, used: 150 } : { kind: "stop", fromSession: "ses_caller", by }
const aborted = { error: { name: "MessageAbortedError" } }

describe("outcomeOf", () => {
  it("tells working, not started, answered, failed, interrupted, stopped and cut off apart", () => {
    expect(outcomeOf([], true)).toEqual({ state: "working" })
    expect(outcomeOf([user("u1", "go")], false)).toEqual({ state: "waiting" })
    expect(outcomeOf([user("u1", "go"), assistant("a1", "Done it.")], false)).toEqual({ state: "idle", answer: "Done it." })
    expect(outcomeOf([assistant("a1", "", { error: { name: "APIError", data: { message: "overloaded" } } })], false)).toEqual({
      state: "failed",
      error: "APIError: overloaded",
    })
    expect(outcomeOf([assistant("a1", "", aborted)], false)).toEqual({ state: "interrupted" })
    expect(outcomeOf([assistant("a1", "", { time: { created: 1 } })], false)).toEqual({ state: "cut-off" })
    expect(outcomeOf([assistant("a1", "", { finish: "tool-calls" })], false)).toEqual({ state: "cut-off" })
  })

  it("reads a stop's marker as stopped, with why; a newer turn after it counts instead", () => {
    expect(outcomeOf([user("u1", "go"), assistant("a1", "", aborted), user("u2", "[Stopped]", stopped())], false)).toEqual({ state: "stopped", by: "caller" })
    expect(outcomeOf([user("u1", "go"), user("u2", "[Stopped]", stopped("max-tokens"))], false)).toEqual({
      state: "stopped",
      by: "max-tokens",
      limit: 100,
      used: 150,
    })
    const resumed = [
      user("u1", "go"),
      assistant("a1", "", aborted),
      user("u2", "[Stopped]", stopped()),
      user("u3", "again", followUp("fu1")),
      assistant("a3", "Again."),
    ]
    expect(outcomeOf(resumed, false)).toEqual({ state: "idle", answer: "Again." })
    expect(outcomeOf(resumed.slice(0, 3), true)).toEqual({ state: "working" })
  })
})

describe("turnOutcomes", () => {
  it("gives the first turn and each follow-up's turn its own answer, by report key", () => {
    const messages = [user("u1", "go", start()), assistant("a1", "First."), user("u2", "more", followUp("fu1")), assistant("a2", "Second.")]
    expect(turnOutcomes("ses_c", messages, false)).toEqual(
      new Map([
        ["ses_c", { state: "idle", answer: "First." }],
        ["ses_c/fu1", { state: "idle", answer: "Second." }],
      ]),
    )
    // Only the last turn runs; one that a follow-up followed is over.
    expect(turnOutcomes("ses_c", messages.slice(0, 3), true).get("ses_c")).toEqual({ state: "idle", answer: "First." })
    expect(turnOutcomes("ses_c", messages.slice(0, 3), true).get("ses_c/fu1")).toEqual({ state: "working" })
  })

  it("gives a turn that a follow-up joined before it answered the answer that came after", () => {
    const joined = [user("u1", "go", start()), assistant("a1", "", { finish: "tool-calls" }), user("u2", "more", followUp("fu1")), assistant("a2", "Both.")]
    expect(turnOutcomes("ses_c", joined, false).get("ses_c")).toEqual({ state: "idle", answer: "Both." })
    const twoAtOnce = [
      user("u1", "go", start()),
      assistant("a1", "First."),
      user("u2", "x", followUp("fu1")),
      user("u3", "y", followUp("fu2")),
      assistant("a3", "Z."),
    ]
    expect(turnOutcomes("ses_c", twoAtOnce, false).get("ses_c/fu1")).toEqual({ state: "idle", answer: "Z." })
  })

  it("counts from a fork's own start, not the follow-ups its copied history holds", () => {
    const fork = [user("u0", "old", followUp("fu_old")), assistant("a0", "Old."), user("u1", "go", start()), assistant("a1", "Mine.")]
    expect([...turnOutcomes("ses_c", fork, false).keys()]).toEqual(["ses_c"])
    expect(turnOutcomes("ses_c", fork, false).get("ses_c")).toEqual({ state: "idle", answer: "Mine." })
  })
})

describe("spentIn", () => {
  it("sums the session's own answers' tokens (reasoning counts as output) and cost, not a fork's copies", () => {
    const tokens = (input: number, output: number, reasoning = 0) => ({ tokens: { input, output, reasoning } })
    const fork = [
      user("u0", "old"),
      assistant("a0", "Old.", { ...tokens(1000, 1000), cost: 1 }),
      user("u1", "go", start()),
      assistant("a1", "", { ...tokens(120, 30, 10), cost: 0.002 }),
      assistant("a2", "Done.", { ...tokens(200, 40), cost: 0.003 }),
    ]
    const spent = spentIn(fork)
    expect([spent.input, spent.output]).toEqual([320, 80])
    expect(spent.cost).toBeCloseTo(0.005)
    expect(spentIn([user("u1", "go", start())])).toEqual({ input: 0, output: 0, cost: 0 })
  })
})
