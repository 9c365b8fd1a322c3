import { describe, expect, it } from "vitest"
import { MARKER } from "./format.js"
import { outcomeOf, reportedIn, startedIn, startMarkerOf, turnOf, type Stored } from "./lineage.js"

function user(id: string, text: string, marker?: Record<string, unknown>): Stored {
  return { info: { id, role: "user" }, parts: [{ type: "text", text, metadata: marker ? { [MARKER]: marker } : undefined }] }
}
function assistant(id: string, parts: Stored["parts"], info: Partial<Stored["info"]> = {}): Stored {
  return { info: { id, role: "assistant", parentID: "u1", time: { created: 1, completed: 2 }, finish: "stop", ...info }, parts }
}
function call(mode: string, output: string, status = "completed") {
  return { type: "tool", tool: "session", state: { status, input: { mode }, output } }
}
const start = (fromSession: string, call = "a1") => ({ kind: "start", fromAgent: "build", fromSession, mode: "fork", agent: "plan", report: "together", call, title: "Fork · plan: x" })

describe("lineage from stored messages", () => {
  it("names the sessions the caller started, in call order, from its completed new/fork calls only", () => {
    const caller = [
      user("u1", "go"),
      assistant("a1", [
        call("fork", 'Started session ses_B "Fork · plan: b" (agent plan)'),
        call("new", "Waiting to start: session ses_C …"),
        call("message", "Queued for agent plan"),
        call("status", "Sessions you started (1):\n- ses_B …"),
        call("fork", "session: agent x does not exist", "error"),
      ]),
    ]
    expect(startedIn(caller)).toEqual(["ses_B", "ses_C"])
  })

  it("reads a fork's own start marker, not the ones it copied from its caller's history", () => {
    const fork = [user("u0", "copied", start("ses_grandparent")), assistant("a0", []), user("u1", "[Handed over…]", start("ses_parent"))]
    expect(startMarkerOf(fork)?.fromSession).toBe("ses_parent")
    expect(startMarkerOf([user("u1", "typed by a person")])).toBeUndefined()
  })

  it("knows which started sessions were reported, and which turn a call belongs to", () => {
    const caller = [user("u1", "go"), assistant("a1", []), user("u2", "[Reports…]", { kind: "report", sessions: ["ses_B", "ses_C"] })]
    expect([...reportedIn(caller)]).toEqual(["ses_B", "ses_C"])
    expect(turnOf(caller, "a1")).toBe("u1")
  })
})

describe("outcomeOf", () => {
  const text = (value: string) => ({ type: "text", text: value })
  it("tells working, not started, answered, failed, interrupted and stopped apart", () => {
    expect(outcomeOf([], true)).toEqual({ state: "working" })
    expect(outcomeOf([user("u1", "go")], false)).toEqual({ state: "waiting" })
    expect(outcomeOf([user("u1", "go"), assistant("a1", [text("Done it.")])], false)).toEqual({ state: "idle", answer: "Done it." })
    expect(outcomeOf([assistant("a1", [], { error: { name: "APIError", data: { message: "overloaded" } } })], false)).toEqual({ state: "failed", error: "APIError: overloaded" })
    expect(outcomeOf([assistant("a1", [], { error: { name: "MessageAbortedError" } })], false)).toEqual({ state: "interrupted" })
    expect(outcomeOf([assistant("a1", [], { time: { created: 1 } })], false)).toEqual({ state: "stopped" })
    expect(outcomeOf([assistant("a1", [], { finish: "tool-calls" })], false)).toEqual({ state: "stopped" })
  })
})
