import { describe, expect, it } from "vitest"
import { HandoffBook } from "./book.js"
import type { HandoffRequest } from "./types.js"

function request(sessionID: string, text: string, agent = "build"): HandoffRequest {
  return { kind: "message", sessionID, agent, text, from: { agent: "plan", sessionID } }
}

describe("HandoffBook reports a wait returned", () => {
  it("drops the queued reports holding only answers the wait returned, and keeps the rest", () => {
    const book = new HandoffBook(8)
    const report = (ids: string[]) => ({
      kind: "report" as const,
      sessionID: "P",
      agent: "build",
      text: ids.join(","),
      from: { agent: "plan", sessionID: ids[0]! },
      covers: ids.map((id) => ({ agent: "plan", sessionID: id })),
    })
    book.enqueue(report(["a"]))
    book.enqueue({ kind: "message", sessionID: "P", agent: "plan", text: "go", from: { agent: "build", sessionID: "P" } })
    book.enqueue(report(["b", "c"]))
    book.enqueue(report(["d"]))
    const dropped = book.dropReports("P", new Set(["a", "b", "d"]))
    expect(dropped.map((handoff) => handoff.text)).toEqual(["a", "d"])
    expect(book.pending("P").map((handoff) => handoff.text)).toEqual(["go", "b,c"])
  })
})

describe("HandoffBook hand-offs joining the running turn", () => {
  const call = (text: string, kind: "message" | "compact" = "message") => ({ ...request("S", text, "plan"), kind, call: "msg_call" })

  it("lets the next message or compact join from a later step than the call, one at a time, counted", () => {
    const book = new HandoffBook(8)
    book.enqueue(call("first"))
    book.enqueue(call("second", "compact"))
    expect(book.takeJoinable("S", "msg_call")).toBeUndefined()
    expect(book.takeJoinable("S", "msg_next")?.text).toBe("first")
    expect(book.takeJoinable("S", "msg_after")?.text).toBe("second")
    expect(book.takeJoinable("S", "msg_last")).toBeUndefined()
    expect(book.admit("S", 7)).toEqual({ ok: false, limit: 8 })
    expect(book.admit("S", 6)).toEqual({ ok: true })
  })

  it("never lets a report join, nor anything while a delivery chain runs", () => {
    const book = new HandoffBook(8)
    book.enqueue({ kind: "report", sessionID: "S", agent: "build", text: "answer", from: { agent: "plan", sessionID: "C" } })
    expect(book.takeJoinable("S", "msg_next")).toBeUndefined()
    const other = new HandoffBook(8)
    other.enqueue(call("first"))
    expect(other.claim("S", false)).toBe(true)
    expect(other.takeJoinable("S", "msg_next")).toBeUndefined()
  })

  it("puts back what could not join at the head, uncounted", () => {
    const book = new HandoffBook(8)
    book.enqueue(call("first"))
    book.enqueue(call("second"))
    const first = book.takeJoinable("S", "msg_next")!
    book.putBack(first)
    expect(book.pending("S").map((handoff) => handoff.text)).toEqual(["first", "second"])
    expect(book.admit("S", 6)).toEqual({ ok: true })
    expect(book.admit("S", 7)).toEqual({ ok: false, limit: 8 })
  })
})
