import { describe, expect, it } from "vitest"
import { followUpsIn, followUpsNotStopped, pendingHandoffs, reportedIn, startedIn, startMarkerOf, stoppedIn, turnOf, waitingStarts } from "./lineage.js"
import { callMetadata, markerMetadata, type CallRecord, type Stored } from "./protocol.js"

function user(id: string, text: string, marker?: Record<string, unknown>): Stored {
  return { info: { id, role: "user" }, parts: [{ type: "text", text, metadata: marker ? { "opencode-sessions": marker } : undefined }] }
}
function assistant(id: string, parts: Stored["parts"], info: Partial<Stored["info"]> = {}): Stored {
  return { info: { id, role: "assistant", parentID: "u1", time: { created: 1, completed: 2 }, finish: "stop", ...info }, parts }
}
/** A completed session call as this version stores it: its record in the tool part's metadata, whatever its words say. */
function recorded(callID: string, input: Record<string, unknown>, record: CallRecord, output = "words for the model, never read") {
  return { type: "tool", tool: "session", callID, state: { status: "completed", input, output, metadata: callMetadata(record) } }
}
/** A completed session call as 0.1.0 stored it: no record, only its words. */
function legacy(mode: string, output: string, status = "completed") {
  return { type: "tool", tool: "session", state: { status, input: { mode }, output } }
}
const started = (session: string, waiting = false): CallRecord => ({
  kind: "started",
  v: 1,
  fromAgent: "build",
  session,
  mode: "fork",
  agent: "plan",
  report: "together",
  waiting,
  isolated: false,
})
const handoff = (agent: string): CallRecord => ({ kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent })
const start = (fromSession: string, call = "a1") => ({
  kind: "start",
  fromAgent: "build",
  fromSession,
  mode: "fork",
  agent: "plan",
  report: "together",
  call,
  title: "Fork (plan): x",
})

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
      user("u2", "[Reports...]", { kind: "report", sessions: ["ses_B", "ses_C"] }),
    ]
    expect([...reportedIn(caller)]).toEqual(["ses_W", "ses_B", "ses_C"])
    expect(turnOf(caller, "a1")).toBe("u1")
  })

  it("keeps the accepted hand-offs not delivered yet, in call order, less the delivered ones and what an interruption dropped", () => {
    const calls = assistant("a1", [
      recorded("c1", { mode: "message", text: " First. " }, handoff("plan")),
      recorded("c2", { mode: "message", text: "Second." }, handoff("docs")),
    ])
    const deliveredSecond = {
      info: { id: "u2", role: "user" },
      parts: [{ type: "text", text: "x", metadata: markerMetadata({ kind: "message", fromAgent: "build", fromSession: "s", callID: "c2" }) }],
    }
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

describe("sessions 0.1.0 wrote still read", () => {
  it("names the sessions its new/fork calls started, from their words", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [
        legacy("fork", 'Started session ses_B "Fork · plan: b" (agent plan)'),
        legacy("new", "Waiting to start: session ses_C …"),
        legacy("message", "Queued for agent plan"),
        legacy("status", "Sessions you started (1):\n- ses_B …"),
        legacy("fork", "session: agent x does not exist", "error"),
      ]),
    ]
    expect(startedIn(caller)).toEqual(["ses_B", "ses_C"])
  })

  it("knows the answers its waits returned, from their first line, and its reports by their markers", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [legacy("wait", "Finished: 1 of 2 (ses_A).\n\nses_A …"), legacy("wait", "Finished: 1 of 1 (ses_X).", "error")]),
      user("u2", "[Report…]", { kind: "report", sessions: ["ses_B"] }),
    ]
    expect([...reportedIn(caller)]).toEqual(["ses_A", "ses_B"])
  })

  it("counts its delivered hand-offs in order (its markers name no call)", () => {
    const calls = assistant("a1", [
      recorded("c1", { mode: "message", text: "1" }, handoff("plan")),
      recorded("c2", { mode: "message", text: "2" }, handoff("docs")),
    ])
    expect(pendingHandoffs([calls, user("u2", "x", { kind: "message", fromAgent: "build", fromSession: "s" })]).map((h) => h.callID)).toEqual(["c2"])
  })
})
