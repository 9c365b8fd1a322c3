/** How started sessions stand, as status, wait and reports word them: each state, each ask, what a tree cost. */
import { describe, expect, it } from "vitest"
import { calls, sessionCall, stored, user } from "../../../test/fixtures/stored.js"
import type { Answered } from "../../core/gather.js"
import type { State } from "../../core/life.js"
import { reportedIn } from "../../core/lineage.js"
import { callMetadata, type CallRecord } from "../../core/protocol.js"
import { deliveredText, english, type StartedNow } from "./index.js"

const answered = (sessionID: string, state: State, answer?: string): Answered => ({
  ...{ key: sessionID, sessionID, title: `Fork (plan): ${sessionID}`, agent: "plan", mode: "fork", state },
  ...(answer === undefined ? {} : { answer }),
})
const fork: StartedNow = { sessionID: "ses_f", title: "Fork (plan): Try it", agent: "plan", mode: "fork", report: "together" }

describe("states", () => {
  it("says how each state stands: in status a few words, in a report or wait why there is no answer", () => {
    const cases: Array<[State, RegExp, RegExp]> = [
      [{ state: "waiting", for: "place" }, /^waiting to start$/, /has not finished/],
      [{ state: "running" }, /^working$/, /has not finished/],
      [{ state: "answered" }, /^idle$/, /finished without a text answer/],
      [{ state: "failed", error: "APIError: 400" }, /^failed$/, /Its turn failed: APIError: 400/],
      [{ state: "interrupted" }, /^interrupted$/, /person interrupted it/],
      [{ state: "stopped", by: "max-tokens", limit: 100, used: 150 }, /^stopped \(it used 150 tokens, over the limit of 100 /, /answered: it used 150 /],
      [{ state: "stopped", by: "caller" }, /^stopped \(the agent that started it stopped it\)$/, /Stopped before it answered: the agent that started it/],
      [{ state: "cut-off" }, /^cut off mid-turn[\s\S]*resume it/, /has not finished/],
      [{ state: "never-started" }, /^not started[\s\S]*send it a message/, /never started/],
      [{ state: "deleted" }, /^deleted$/, /deleted before it answered/],
      [
        { state: "asking", asks: [{ id: "per_1", kind: "permission", what: "bash: npm test" }] },
        /^waiting for the person to answer permission bash: npm test in that session/,
        /waits for the person/,
      ],
    ]
    for (const [state, word, why] of cases) {
      expect(english.state(state), state.state).toMatch(word)
      expect(english.result.status([{ ...fork, state }], []), state.state).toContain(`: fork, agent plan, ${english.state(state)}\nQueued here`)
      expect(english.report.answer({ state }), state.state).toMatch(why)
    }
    expect(english.report.answer({ state: { state: "answered" }, answer: "Done." })).toBe("Done.")
  })
})

describe("reports and waits", () => {
  it("a wait returns every finished answer under its session, failures marked, and names what still runs", () => {
    const text = english.result.wait(
      [answered("ses_a", { state: "answered" }, "A works."), answered("ses_b", { state: "failed", error: "APIError: 400" })],
      [],
      [answered("ses_c", { state: "running" })],
      30,
    )
    expect(text).toMatch(/^Finished: 2 of 3 \(ses_a, ses_b\)\./)
    expect(text).toMatch(/ses_a "Fork \(plan\): ses_a" \(agent plan, fork\):\nA works\./)
    expect(text).toMatch(/Its turn failed: APIError: 400/)
    expect(text).toMatch(/Still running after 30 s: ses_c/)
  })

  it("a wait that meets sessions waiting on the person names each ask, says only the person answers, and that the answers come later", () => {
    const ask = { id: "per_1", kind: "permission" as const, what: "bash: echo hi" }
    const question = { id: "que_1", kind: "question" as const, what: "Which database?" }
    const self = { sessionID: "ses_a", title: "Fork (plan): ses_a", agent: "plan", asks: [ask] }
    const deeper = { sessionID: "ses_deep", title: "Lint", agent: "build", asks: [question] }
    const text = english.result.wait(
      [answered("ses_c", { state: "answered" }, "C.")],
      [
        { ...answered("ses_a", { state: "asking", asks: [ask] }), askers: [self] },
        { ...answered("ses_b", { state: "running" }), askers: [deeper] },
      ],
      [],
    )
    expect(text).toMatch(/^Finished: 1 of 3 \(ses_c\)\./)
    expect(text).toMatch(/Waiting for the person \(2\)/)
    expect(english.result.wait([], [{ ...answered("ses_a", { state: "running" }), askers: [self] }], [])).toMatch(/^Finished: 0 of 1\.\n/)
    expect(text).toMatch(/- ses_a "Fork \(plan\): ses_a" \(agent plan\) asks the person: permission bash: echo hi\./)
    expect(text).toMatch(/- ses_b: a session it started, ses_deep "Lint" \(agent build\) asks the person: question "Which database\?"/)
    expect(text).toMatch(/you cannot answer for them/)
    expect(text).not.toMatch(/Still running/)
  })

  it("status counts what a session started at every depth, and names a deeper session that asks", () => {
    const asker = { sessionID: "ses_deep", title: "Lint", agent: "build", asks: [{ id: "per_1", kind: "permission" as const, what: "bash: rm -rf dist" }] }
    const spent = { input: 800, output: 200, cost: 0.5 }
    const below = { sessions: 3, spent: { input: 4000, output: 1000, cost: 1.25 }, asking: [asker] }
    const text = english.result.status(
      [{ sessionID: "ses_f", title: "Fork (plan): Try it", agent: "plan", mode: "fork", report: "together", state: { state: "running" }, spent, below }],
      [],
      { sessions: 4, spent: { input: 4800, output: 1200, cost: 1.75 }, asking: [asker] },
    )
    expect(text).toMatch(/with the 3 sessions it started, at every depth: /)
    expect(text).toMatch(/A session it started waits for the person: ses_deep "Lint" \(agent build\) asks the person: permission bash: rm -rf dist/)
    expect(text).toMatch(/Everything started from here, at every depth \(4 sessions\): /)
  })

  it("a report header names its session, or says it gathers a turn's sessions", () => {
    const from = { agent: "build", sessionID: "ses_child", title: "Fix tests" }
    expect(deliveredText({ kind: "report", from, text: "x" })).toMatch(/^\[Report from session ses_child "Fix tests" \(agent "build"\)/)
    expect(deliveredText({ kind: "report", from, covers: [from, { ...from, sessionID: "ses_2" }], text: "x" })).toMatch(/^\[Reports from the 2 sessions/)
  })

  it("the answers a completed wait returned are known again from its record, never from its words", () => {
    const collected = (...sessions: string[]): CallRecord => ({ kind: "collected", v: 1, sessions })
    const said = (sessionID: string) =>
      english.result.wait([answered(sessionID, { state: "answered" }, "A.")], [], [answered("ses_b", { state: "running" })], 30)
    const part = (callID: string, state: Record<string, unknown>) => ({ type: "tool", tool: "session", callID, state: { input: { mode: "wait" }, ...state } })
    const wordsOnly = part("c2", { status: "completed", output: said("ses_c") })
    const failed = part("c3", { status: "error", metadata: callMetadata(collected("ses_x")) })
    const caller = stored(user("u1", "go"), calls("a1", [sessionCall("c1", { mode: "wait" }, collected("ses_a"), said("ses_a")), wordsOnly, failed]))
    expect([...reportedIn(caller)]).toEqual(["ses_a"])
  })
})
