import { describe, expect, it } from "vitest"
import { assistant as answered, calls, sessionCall, startMarker, startedRecord, stored, user as said } from "../../test/fixtures/stored.js"
import { lifeFromStore, readOutcome, spentPerAnswer, totalSpent, turnOutcomes } from "./outcome.js"
import type { CallRecord, MessageMarker } from "./protocol.js"
import type { Stored } from "./stored.js"

const user = (id: string, text: string, marker?: MessageMarker): Stored => stored(said(id, text, marker))[0]!
const assistant = (id: string, answer: string, info: Record<string, unknown> = {}): Stored => stored(answered(id, answer, info))[0]!
const start = (fromSession = "ses_caller"): MessageMarker => startMarker(fromSession)
const followUp = (id: string): MessageMarker => ({ kind: "follow-up", fromAgent: "build", fromSession: "ses_caller", id })
const stopped = (by: "caller" | "max-tokens" = "caller", dropped?: string[]): MessageMarker =>
  by === "max-tokens"
    ? { kind: "stop", fromSession: "ses_caller", by, limit: 100, used: 150 }
    : { kind: "stop", fromSession: "ses_caller", by, ...(dropped ? { dropped } : {}) }
const aborted = { error: { name: "MessageAbortedError" } }
const answeredAs = (answer: string) => ({ state: { state: "answered" }, answer })

describe("readOutcome", () => {
  it("tells running, never started, answered, failed, interrupted, stopped and cut off apart", () => {
    expect(readOutcome([], true)).toEqual({ state: { state: "running" } })
    expect(readOutcome([user("u1", "go")], false)).toEqual({ state: { state: "never-started" } })
    expect(readOutcome([user("u1", "go"), assistant("a1", "Done it.")], false)).toEqual(answeredAs("Done it."))
    expect(readOutcome([assistant("a1", "", { error: { name: "APIError", data: { message: "overloaded" } } })], false)).toEqual({
      state: { state: "failed", error: "APIError: overloaded" },
    })
    expect(readOutcome([assistant("a1", "", aborted)], false)).toEqual({ state: { state: "interrupted" } })
    expect(readOutcome([assistant("a1", "", { time: { created: 1 } })], false)).toEqual({ state: { state: "cut-off" } })
    expect(readOutcome([assistant("a1", "", { finish: "tool-calls" })], false)).toEqual({ state: { state: "cut-off" } })
  })

  it("reads a stop's marker as stopped, with why; a newer turn after it counts instead", () => {
    expect(readOutcome([user("u1", "go"), assistant("a1", "", aborted), user("u2", "[Stopped]", stopped())], false)).toEqual({
      state: { state: "stopped", by: "caller" },
    })
    expect(readOutcome([user("u1", "go"), user("u2", "[Stopped]", stopped("max-tokens"))], false)).toEqual({
      state: { state: "stopped", by: "max-tokens", limit: 100, used: 150 },
    })
    const resumed = [
      user("u1", "go"),
      assistant("a1", "", aborted),
      user("u2", "[Stopped]", stopped()),
      user("u3", "again", followUp("fu1")),
      assistant("a3", "Again."),
    ]
    expect(readOutcome(resumed, false)).toEqual(answeredAs("Again."))
    expect(readOutcome(resumed.slice(0, 3), true)).toEqual({ state: { state: "running" } })
  })
})

describe("turnOutcomes", () => {
  it("gives the first turn and each follow-up's turn its own answer, by report key", () => {
    const messages = [user("u1", "go", start()), assistant("a1", "First."), user("u2", "more", followUp("fu1")), assistant("a2", "Second.")]
    expect(turnOutcomes("ses_c", messages, false)).toEqual(
      new Map([
        ["ses_c", answeredAs("First.")],
        ["ses_c/fu1", answeredAs("Second.")],
      ]),
    )
    // Only the last turn runs; one that a follow-up followed is over.
    expect(turnOutcomes("ses_c", messages.slice(0, 3), true).get("ses_c")).toEqual(answeredAs("First."))
    expect(turnOutcomes("ses_c", messages.slice(0, 3), true).get("ses_c/fu1")).toEqual({ state: { state: "running" } })
  })

  it("gives a turn that a follow-up joined before it answered the answer that came after", () => {
    const joined = [user("u1", "go", start()), assistant("a1", "", { finish: "tool-calls" }), user("u2", "more", followUp("fu1")), assistant("a2", "Both.")]
    expect(turnOutcomes("ses_c", joined, false).get("ses_c")).toEqual(answeredAs("Both."))
    const twoAtOnce = [
      user("u1", "go", start()),
      assistant("a1", "First."),
      user("u2", "x", followUp("fu1")),
      user("u3", "y", followUp("fu2")),
      assistant("a3", "Z."),
    ]
    expect(turnOutcomes("ses_c", twoAtOnce, false).get("ses_c/fu1")).toEqual(answeredAs("Z."))
  })

  it("counts from a fork's own start, not the follow-ups its copied history holds", () => {
    const fork = [user("u0", "old", followUp("fu_old")), assistant("a0", "Old."), user("u1", "go", start()), assistant("a1", "Mine.")]
    expect([...turnOutcomes("ses_c", fork, false).keys()]).toEqual(["ses_c"])
    expect(turnOutcomes("ses_c", fork, false).get("ses_c")).toEqual(answeredAs("Mine."))
  })
})

describe("spentPerAnswer", () => {
  it("gives the session's own answers' tokens (reasoning counts as output) and cost, not a fork's copies", () => {
    const tokens = (input: number, output: number, reasoning = 0) => ({ tokens: { input, output, reasoning } })
    const fork = [
      user("u0", "old"),
      assistant("a0", "Old.", { ...tokens(1000, 1000), cost: 1 }),
      user("u1", "go", start()),
      assistant("a1", "", { ...tokens(120, 30, 10), cost: 0.002 }),
      assistant("a2", "Done.", { ...tokens(200, 40), cost: 0.003 }),
    ]
    const spent = totalSpent(spentPerAnswer(fork).values())
    expect([spent.input, spent.output]).toEqual([320, 80])
    expect(spent.cost).toBeCloseTo(0.005)
    expect([...spentPerAnswer(fork).keys()]).toEqual(["a1", "a2"])
    expect(totalSpent(spentPerAnswer([user("u1", "go", start())]).values())).toEqual({ input: 0, output: 0, cost: 0 })
  })
})

describe("lifeFromStore", () => {
  const followUpRecord = (id: string): CallRecord => ({ kind: "follow-up", v: 1, fromAgent: "build", session: "ses_c", agent: "docs", report: "each", id })
  const started = sessionCall("c0", { mode: "fork", text: "Look into it." }, startedRecord("ses_c", { agent: "plan" }))
  /** The caller's history: its turn, whose answer step started ses_c (and made `parts`' calls). */
  const caller = (...parts: Array<Record<string, unknown>>) => ({ id: "ses_caller", messages: stored(said("u1", "go"), calls("a1", [started, ...parts])) })

  it("is nothing for a session the tool did not start", () => {
    expect(lifeFromStore("ses_c", [user("u1", "typed")], { id: "ses_caller", messages: [] }, false)).toBeUndefined()
    // A marker its caller's records do not back (a fork's copy of someone else's): not its own.
    expect(lifeFromStore("ses_c", [user("u1", "go", start())], { id: "ses_caller", messages: [] }, false)).toBeUndefined()
  })

  it("reads one not begun yet from its caller's record: a new one has no messages, a fork only the copies of its caller's", () => {
    const waiting = caller(sessionCall("c1", { mode: "fork" }, startedRecord("ses_c", { waiting: true, agent: "docs", mode: "new" })))
    const fresh = lifeFromStore(
      "ses_c",
      [],
      { ...waiting, messages: waiting.messages.map((message) => ({ ...message, parts: message.parts.filter((part) => part.callID !== "c0") })) },
      false,
    )!
    expect(fresh.life.marker).toMatchObject({ fromSession: "ses_caller", agent: "docs", mode: "new", call: "a1" })
    expect(fresh.life.turns).toEqual([{ key: "ses_c", state: { state: "waiting", for: "place" } }])
    const copies = [user("u0", "old", startMarker("ses_grandparent", { agent: "review" })), assistant("a0", "Old answer.")]
    const fork = lifeFromStore("ses_c", copies, caller(), false)!
    expect(fork.life.marker).toMatchObject({ fromSession: "ses_caller", agent: "plan", title: "Fork (plan): Look into it." })
    expect(fork.life.state).toEqual({ state: "never-started" })
    expect(fork.answers).toEqual(new Map())
  })

  it("reads its marker, its turns (the first, then each follow-up its caller recorded), their answers and what it spent", () => {
    const child = [
      user("u1", "go", start()),
      assistant("a1", "First.", { tokens: { input: 10, output: 2, reasoning: 0 } }),
      user("u2", "more", followUp("fu1")),
      assistant("a2", "Second."),
    ]
    const life = lifeFromStore("ses_c", child, caller(sessionCall("c1", { mode: "message", text: "more" }, followUpRecord("fu1"))), false)!
    expect(life.life.marker.fromSession).toBe("ses_caller")
    expect(life.life.state).toEqual({ state: "answered" })
    expect(life.life.turns).toEqual([
      { key: "ses_c", state: { state: "answered" } },
      { key: "ses_c/fu1", followUp: { id: "fu1", agent: "docs", report: "each", call: "a1" }, state: { state: "answered" } },
    ])
    expect(life.answers).toEqual(
      new Map([
        ["ses_c", "First."],
        ["ses_c/fu1", "Second."],
      ]),
    )
    expect(totalSpent(life.usage.values()).input).toBe(10)
  })

  it("says a first turn waits for a place when its caller's record says so, and never started otherwise", () => {
    const waiting = lifeFromStore(
      "ses_c",
      [user("u1", "go", start())],
      caller(sessionCall("c1", { mode: "fork" }, startedRecord("ses_c", { waiting: true }))),
      false,
    )!
    expect(waiting.life.turns[0]?.state).toEqual({ state: "waiting", for: "place" })
    const never = lifeFromStore("ses_c", [user("u1", "go", start())], caller(sessionCall("c1", { mode: "fork" }, startedRecord("ses_c"))), false)!
    expect(never.life.turns[0]?.state).toEqual({ state: "never-started" })
  })

  it("says a follow-up a stop dropped before it was sent was stopped, and one never sent never started", () => {
    const child = [user("u1", "go", start()), assistant("a1", "", aborted), user("u2", "[Stopped]", stopped("caller", ["fu1"]))]
    const bothSent = caller(sessionCall("c1", { text: "x" }, followUpRecord("fu1")), sessionCall("c2", { text: "y" }, followUpRecord("fu2")))
    const life = lifeFromStore("ses_c", child, bothSent, false)!
    const byCaller = { state: "stopped", by: "caller" }
    expect(life.life.turns.map((turn) => turn.state)).toEqual([byCaller, byCaller, byCaller])
    const answeredFirst = [user("u1", "go", start()), assistant("a1", "First.")]
    const unsent = lifeFromStore("ses_c", answeredFirst, caller(sessionCall("c2", { text: "y" }, followUpRecord("fu2"))), false)!
    expect(unsent.life.turns.map((turn) => turn.state)).toEqual([{ state: "answered" }, { state: "never-started" }])
  })
})
