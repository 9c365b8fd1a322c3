/** What a session asks the person: OpenCode's events of each release line read as one ask, and what an ask does to a life. */
import { describe, expect, it } from "vitest"
import { startMarker } from "../../test/fixtures/stored.js"
import { askOf } from "./asks.js"
import { firstLife, isFinished, isRunning, next, type Ask, type Life, type LifeEvent } from "./life.js"

const born = () => firstLife("ses_c", startMarker("ses_caller"))
const run = (life: Life, ...events: LifeEvent[]) => events.reduce(next, life)
const bash: Ask = { id: "per_1", kind: "permission", what: "bash: echo hi" }
const question: Ask = { id: "que_1", kind: "question", what: "Which database?" }

describe("askOf: OpenCode's events", () => {
  it("reads a permission ask of 1.1 and later, with its patterns, and its reply by requestID", () => {
    const asked = {
      type: "permission.asked",
      properties: { id: "per_1", sessionID: "ses_c", permission: "bash", patterns: ["echo hi"], metadata: {}, always: [] },
    }
    expect(askOf(asked)).toEqual({ sessionID: "ses_c", opened: bash })
    expect(askOf({ type: "permission.replied", properties: { sessionID: "ses_c", requestID: "per_1", reply: "once" } })).toEqual({
      sessionID: "ses_c",
      closed: "per_1",
    })
  })

  it("reads 1.0's permission ask (permission.updated, a title and a pattern) and its reply by permissionID", () => {
    const updated = {
      type: "permission.updated",
      properties: { id: "per_old", sessionID: "ses_c", type: "bash", title: "echo hi", pattern: "echo *", messageID: "m", time: { created: 1 } },
    }
    expect(askOf(updated)).toEqual({ sessionID: "ses_c", opened: { id: "per_old", kind: "permission", what: "bash: echo hi" } })
    expect(askOf({ type: "permission.replied", properties: { sessionID: "ses_c", permissionID: "per_old", response: "once" } })).toEqual({
      sessionID: "ses_c",
      closed: "per_old",
    })
  })

  it("reads a question (every question it holds), and its reply or rejection", () => {
    const asked = {
      type: "question.asked",
      properties: { id: "que_1", sessionID: "ses_c", questions: [{ question: "Which database?", header: "DB", options: [] }] },
    }
    expect(askOf(asked)).toEqual({ sessionID: "ses_c", opened: question })
    const two = { ...asked, properties: { ...asked.properties, questions: [{ question: "A?" }, { question: "B?" }] } }
    expect(askOf(two)).toMatchObject({ opened: { what: "A? / B?" } })
    expect(askOf({ type: "question.rejected", properties: { sessionID: "ses_c", requestID: "que_1" } })).toEqual({ sessionID: "ses_c", closed: "que_1" })
  })

  it("is no ask for any other event, or for one that does not parse", () => {
    expect(askOf({ type: "session.idle" })).toBeUndefined()
    expect(askOf({ type: "permission.asked", properties: { sessionID: "ses_c" } })).toBeUndefined()
    expect(askOf({ type: "permission.replied", properties: { sessionID: "ses_c" } })).toBeUndefined()
  })
})

describe("an ask in a life", () => {
  it("a running turn that asks is asking (still running, not finished), oldest ask first; answered, it runs again", () => {
    const asking = run(born(), { type: "began" }, { type: "asked", ask: bash }, { type: "asked", ask: question })
    expect(asking.state).toEqual({ state: "asking", asks: [bash, question] })
    expect([isRunning(asking.state), isFinished(asking.state)]).toEqual([true, false])
    const one = next(asking, { type: "ask-closed", id: "per_1" })
    expect(one.state).toEqual({ state: "asking", asks: [question] })
    expect(next(one, { type: "ask-closed", id: "que_1" }).state).toEqual({ state: "running" })
  })

  it("the same ask twice, an ask of a turn not running, and the close of an unknown ask change nothing", () => {
    const asking = run(born(), { type: "began" }, { type: "asked", ask: bash })
    expect(next(asking, { type: "asked", ask: bash })).toBe(asking)
    expect(next(asking, { type: "ask-closed", id: "per_x" })).toBe(asking)
    const waiting = born()
    expect(next(waiting, { type: "asked", ask: bash })).toBe(waiting)
  })

  it("a turn that asks ends, or is stopped, as any running turn (its asks go with it)", () => {
    const asking = run(born(), { type: "began" }, { type: "asked", ask: bash })
    expect(next(asking, { type: "ended", how: { state: "interrupted" } }).state).toEqual({ state: "interrupted" })
    const stopped = next(asking, { type: "stopped", how: { state: "stopped", by: "caller" } })
    expect([stopped.state.state, stopped.turns[0]?.state.state]).toEqual(["stopped", "stopped"])
  })
})
