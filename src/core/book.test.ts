import { describe, expect, it } from "vitest"
import { HandoffBook } from "./book.js"
import type { HandoffRequest } from "./types.js"

function request(sessionID: string, text: string, agent = "build"): HandoffRequest {
  return { kind: "message", sessionID, agent, text, from: { agent: "plan", sessionID } }
}

/** Runs a whole delivery chain the way Delivery does: claim, then take until the queue is empty. */
function deliverAll(book: HandoffBook, sessionID: string): string[] {
  const texts: string[] = []
  if (!book.claim(sessionID, false)) return texts
  for (let next = book.takeNext(sessionID, false); next; next = book.takeNext(sessionID, false)) texts.push(next.text)
  return texts
}

const EMPTY = { sessions: 0, queued: 0 }

describe("HandoffBook queues", () => {
  it("delivers each session's hand-offs in the order they were queued, with distinct ids", () => {
    const book = new HandoffBook(8)
    const a = book.enqueue(request("A", "a1"))
    book.enqueue(request("B", "b1"))
    const a2 = book.enqueue(request("A", "a2"))
    book.enqueue(request("B", "b2"))

    expect(a.id).not.toBe(a2.id)
    expect(book.pending("A").map((h) => h.text)).toEqual(["a1", "a2"])
    expect(deliverAll(book, "A")).toEqual(["a1", "a2"])
    // Draining A left B untouched.
    expect(book.pending("B").map((h) => h.text)).toEqual(["b1", "b2"])
    expect(deliverAll(book, "B")).toEqual(["b1", "b2"])
  })

  it("claims a session with a queue only once until its chain ends, however many idle signals arrive", () => {
    const book = new HandoffBook(8)
    expect(book.claim("A", false)).toBe(false) // nothing queued: nothing to claim
    book.enqueue(request("A", "a1"))
    book.enqueue(request("A", "a2"))

    expect(book.claim("A", false)).toBe(true)
    expect(book.claim("A", false)).toBe(false) // duplicate idle
    expect(book.takeNext("A", false)?.text).toBe("a1")
    expect(book.claim("A", false)).toBe(false) // still mid-chain
    expect(book.takeNext("A", false)?.text).toBe("a2")
    expect(book.takeNext("A", false)).toBeUndefined() // ends the chain

    book.enqueue(request("A", "a3"))
    expect(book.claim("A", false)).toBe(true) // a new chain may start
  })

  it("lets a later claim succeed after release (the session turned out to be busy)", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    expect(book.claim("A", false)).toBe(true)
    book.release("A")
    expect(book.pending("A")).toHaveLength(1) // release keeps the queue
    expect(book.claim("A", false)).toBe(true)
    expect(book.takeNext("A", false)?.text).toBe("a1")
  })
})

describe("HandoffBook deleted sessions", () => {
  it("keeps nothing for a deleted session that events or calls mention afterwards", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "early"))
    book.forget("A")
    book.enqueue(request("A", "late")) // a tool call that was still running
    expect(book.pending("A")).toEqual([])
    expect(book.size()).toEqual({ sessions: 0, queued: 0 })
  })
})

describe("HandoffBook and running turns (the lifecycle says which)", () => {
  it("claims nothing while a turn runs, and claims once the session is idle again", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    expect(book.claim("A", true)).toBe(false)
    expect(deliverAll(book, "A")).toEqual(["a1"])
  })

  it("ends a chain when a turn starts in the session before the next hand-off, keeping it queued", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    book.enqueue(request("A", "a2"))
    expect(book.claim("A", false)).toBe(true)
    expect(book.takeNext("A", false)?.text).toBe("a1")
    // The person wrote meanwhile: their turn runs.
    expect(book.takeNext("A", true)).toBeUndefined()
    expect(book.pending("A").map((h) => h.text)).toEqual(["a2"])
    expect(deliverAll(book, "A")).toEqual(["a2"])
  })
})

describe("HandoffBook loop guard", () => {
  it("refuses once delivered turns + queued hand-offs + the new count exceed the limit", () => {
    const book = new HandoffBook(3)
    expect(book.admit("A", 3)).toEqual({ ok: true })
    expect(book.admit("A", 4)).toEqual({ ok: false, limit: 3 })

    book.enqueue(request("A", "a1"))
    book.enqueue(request("A", "a2"))
    expect(book.admit("A")).toEqual({ ok: true }) // 2 queued + 1 = 3
    expect(book.admit("A", 2)).toEqual({ ok: false, limit: 3 })

    // Delivering moves hand-offs from "queued" to "automatic turns": the total stays counted.
    expect(deliverAll(book, "A")).toHaveLength(2)
    expect(book.admit("A")).toEqual({ ok: true })
    book.enqueue(request("A", "a3"))
    expect(deliverAll(book, "A")).toEqual(["a3"])
    expect(book.admit("A")).toEqual({ ok: false, limit: 3 })
    // Other sessions have their own count.
    expect(book.admit("B", 3)).toEqual({ ok: true })
  })

  it("starts counting again when the person writes", () => {
    const book = new HandoffBook(1)
    book.enqueue(request("A", "a1"))
    deliverAll(book, "A")
    expect(book.admit("A").ok).toBe(false)
    book.personWrote("A")
    expect(book.admit("A").ok).toBe(true)
  })
})

describe("HandoffBook abort and forget", () => {
  it("abort drops only that session's queue and returns what it dropped", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    book.enqueue(request("A", "a2"))
    book.enqueue(request("B", "b1"))

    expect(book.abort("A").map((h) => h.text)).toEqual(["a1", "a2"])
    expect(book.pending("A")).toEqual([])
    expect(book.claim("A", false)).toBe(false)
    expect(book.pending("B").map((h) => h.text)).toEqual(["b1"])
    expect(book.abort("A")).toEqual([])
    expect(book.abort("unknown")).toEqual([])
  })

  it("forget drops the session's queue and leaves other sessions' alone", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("child1", "c1"))
    book.enqueue(request("child2", "c2"))

    expect(book.forget("child1").map((h) => h.text)).toEqual(["c1"])
    expect(book.pending("child1")).toEqual([])
    expect(book.pending("child2").map((h) => h.text)).toEqual(["c2"])
  })

  it("holds nothing once every hand-off is delivered (and the person wrote) or its session forgotten", () => {
    const book = new HandoffBook(8)
    for (let i = 0; i < 1000; i++) {
      book.enqueue(request(`s${i}`, "one"))
      book.enqueue(request(`s${i}`, "two"))
    }
    expect(book.size()).toEqual({ sessions: 1000, queued: 2000 })

    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) {
        book.forget(`s${i}`)
      } else {
        expect(deliverAll(book, `s${i}`)).toEqual(["one", "two"])
        book.personWrote(`s${i}`)
      }
    }
    expect(book.size()).toEqual(EMPTY)
  })

  it("releases a session whose chain ends after its queue was aborted mid-chain", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    expect(book.claim("A", false)).toBe(true)
    book.abort("A")
    expect(book.takeNext("A", false)).toBeUndefined()
    expect(book.size()).toEqual(EMPTY)
  })

  it("keeps the automatic-turn count of a delivered session until the person writes or it is deleted", () => {
    const book = new HandoffBook(8)
    book.enqueue(request("A", "a1"))
    deliverAll(book, "A")
    expect(book.size()).toEqual({ sessions: 1, queued: 0 })
    book.forget("A")
    expect(book.size()).toEqual(EMPTY)
  })
})
