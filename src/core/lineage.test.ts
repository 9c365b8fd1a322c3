import { describe, expect, it } from "vitest"
import { assistant as answer, calls, sessionCall as recorded, startedRecord, startMarker, stored, user as said } from "../../test/fixtures/stored.js"
import { followUpsIn, followUpsNotStopped, pendingHandoffs, reportedIn, startedIn, startMarkerOf, stoppedIn, turnOf, waitingStarts } from "./lineage.js"
import type { CallRecord, MessageMarker } from "./protocol.js"
import type { Stored } from "./stored.js"

const user = (id: string, text: string, marker?: MessageMarker): Stored => stored(said(id, text, marker))[0]!
const assistant = (id: string, parts: Array<Record<string, unknown>>, info: Record<string, unknown> = {}): Stored =>
  stored(parts.length ? calls(id, parts, info) : answer(id, "", info))[0]!
const started = (session: string, waiting = false): CallRecord => startedRecord(session, { waiting })
const handoff = (agent: string): CallRecord => ({ kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent })
const start = (fromSession: string) => startMarker(fromSession)
const report = (...sessions: string[]): MessageMarker => ({ kind: "report", fromAgent: "plan", fromSession: "ses_child", sessions })

describe("lineage from the records", () => {
  it("names the sessions the caller started, in call order, from its records alone", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [recorded("c1", { mode: "fork" }, started("ses_B")), recorded("c2", { mode: "new" }, started("ses_C", true), "!su ot")]),
    ]
    expect(startedIn(caller)).toEqual(["ses_B", "ses_C"])
  })

  it("knows the answers that reached the caller: reports' markers and waits' records", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [recorded("c1", { mode: "wait" }, { kind: "collected", v: 1, sessions: ["ses_W"] }, "Finished: 1 of 1 (ses_NOT_THIS).")]),
      user("u2", "[Reports...]", report("ses_B", "ses_C")),
    ]
    expect([...reportedIn(caller)]).toEqual(["ses_W", "ses_B", "ses_C"])
    expect(turnOf(caller, "a1")).toBe("u1")
  })

  it("keeps the accepted hand-offs not delivered yet, in call order, less the delivered ones and what an interruption dropped", () => {
    const calls = assistant("a1", [
      recorded("c1", { mode: "message", text: " First. " }, handoff("plan")),
      recorded("c2", { mode: "message", text: "Second." }, handoff("docs")),
    ])
    const deliveredSecond = user("u2", "x", { kind: "message", fromAgent: "build", fromSession: "s", callID: "c2" })
    expect(pendingHandoffs([user("u1", "go"), calls]).map((h) => [h.callID, h.agent, h.text, h.messageID])).toEqual([
      ["c1", "plan", "First.", "a1"],
      ["c2", "docs", "Second.", "a1"],
    ])
    expect(pendingHandoffs([user("u1", "go"), calls, deliveredSecond]).map((h) => h.callID)).toEqual(["c1"])
    expect(pendingHandoffs([user("u1", "go"), calls, assistant("a2", [], { error: { name: "MessageAbortedError" } })])).toEqual([])
  })

  it("keeps the starts that waited for a place, unless the person interrupted since", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [recorded("c1", { mode: "fork", text: "A" }, started("ses_A")), recorded("c2", { mode: "fork", text: "B" }, started("ses_B", true))]),
    ]
    expect(waitingStarts(caller).map((call) => [call.record.session, call.callID, call.input?.text])).toEqual([["ses_B", "c2", "B"]])
    expect(waitingStarts([...caller, assistant("a2", [], { error: { name: "MessageAbortedError" } })])).toEqual([])
    // A stop that named it keeps it from starting, after a restart too.
    const stop = assistant("a2", [recorded("c3", { mode: "stop" }, { kind: "stopped", v: 1, sessions: ["ses_B"] })])
    expect(waitingStarts([...caller, user("u2", "stop them"), stop])).toEqual([])
    expect(stoppedIn([...caller, user("u2", "stop them"), stop])).toEqual(new Set(["ses_B"]))
  })

  it("keeps the follow-ups no later stop of their session dropped, in call order", () => {
    const followUp = (id: string, session: string): CallRecord => ({ kind: "follow-up", v: 1, fromAgent: "build", session, agent: "plan", report: "each", id })
    const stopped = (...sessions: string[]): CallRecord => ({ kind: "stopped", v: 1, sessions })
    const caller = [
      user("u1", "go"),
      assistant("a1", [recorded("c1", { mode: "message", session: "ses_A", text: "One." }, followUp("fu1", "ses_A"))]),
      assistant("a2", [recorded("c2", { mode: "stop", session: "ses_A" }, stopped("ses_A"))]),
      assistant("a3", [recorded("c3", { mode: "message", session: "ses_A", text: "Two." }, followUp("fu2", "ses_A"))]),
      assistant("a4", [recorded("c4", { mode: "message", session: "ses_B", text: "Three." }, followUp("fu3", "ses_B"))]),
    ]
    expect(followUpsIn(caller).map((call) => call.record.id)).toEqual(["fu1", "fu2", "fu3"])
    expect(followUpsNotStopped(caller).map((call) => [call.record.id, call.input?.text])).toEqual([
      ["fu2", "Two."],
      ["fu3", "Three."],
    ])
  })

  it("reads a fork's own start marker, not the ones it copied from its caller's history", () => {
    const fork = [user("u0", "copied", start("ses_grandparent")), assistant("a0", []), user("u1", "[Started by...]", start("ses_parent"))]
    expect(startMarkerOf(fork)?.fromSession).toBe("ses_parent")
    expect(startMarkerOf([user("u1", "typed by a person")])).toBeUndefined()
  })
})

describe("delivered hand-offs", () => {
  it("counts delivered hand-offs whose markers name no call in order", () => {
    const both = assistant("a1", [
      recorded("c1", { mode: "message", text: "1" }, handoff("plan")),
      recorded("c2", { mode: "message", text: "2" }, handoff("docs")),
    ])
    expect(pendingHandoffs([both, user("u2", "x", { kind: "message", fromAgent: "build", fromSession: "s" })]).map((h) => h.callID)).toEqual(["c2"])
  })

  it("reads nothing from words: a call without a record started nothing, a wait without one returned nothing", () => {
    const words = { type: "tool", tool: "session", callID: "c1", state: { status: "completed", input: { mode: "fork" }, output: 'Started session ses_B "x"' } }
    const wait = { type: "tool", tool: "session", callID: "c2", state: { status: "completed", input: { mode: "wait" }, output: "Finished: 1 of 1 (ses_A)." } }
    const caller = [user("u1", "go"), assistant("a1", [words, wait])]
    expect(startedIn(caller)).toEqual([])
    expect([...reportedIn(caller)]).toEqual([])
  })
})
