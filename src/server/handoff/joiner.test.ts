import { describe, expect, it, vi } from "vitest"
import { Joiner } from "./joiner.js"
import { HandoffBook } from "../../core/book.js"
import { Bus } from "../../core/bus.js"
import { Lifecycle } from "../lifecycle/lifecycle.js"
import { WorkQueued } from "../lifecycle/signals.js"
import { MARKER, PROTOCOL } from "../../core/protocol.js"
import type { HandoffRequest } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { Opencode, PromptInput, ToastVariant } from "../host/opencode.js"

const summaryModel = { providerID: "p", modelID: "m" }
const fail = (message: string): never => {
  throw new Error(message)
}

/** A fake server: `store` fails while `refuseStores` is set; `summarize` stays pending until the test settles it. */
function setup() {
  const stored: { sessionID: string; input: PromptInput }[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const logs: string[] = []
  const kicked: string[] = []
  const state = { newest: "msg_1", refuseStores: false, unreadable: false }
  let summary: { done(): void; refuse(error: unknown): void } | undefined
  const fake = {
    store: async (sessionID: string, input: PromptInput) => void (state.refuseStores ? fail("store refused") : stored.push({ sessionID, input })),
    summarize: vi.fn(() => new Promise<void>((resolve, reject) => (summary = { done: resolve, refuse: reject }))),
    // The session's newest message: the caller's step, until the compaction request is stored.
    messages: vi.fn(async () => (state.unreadable ? fail("server gone") : [{ info: { id: state.newest, role: "user" }, parts: [] }])),
    toast: async (message: string, variant: ToastVariant) => void toasts.push({ message, variant }),
    log: async (level: string, message: string) => void logs.push(`${level} ${message}`),
  }
  const opencode = fake as unknown as Opencode
  const book = new HandoffBook(8)
  const bus = new Bus(() => undefined)
  bus.on(WorkQueued, ({ sessionID }) => void kicked.push(sessionID))
  const notifier = new Notifier(opencode, true)
  const joiner = new Joiner({ opencode, book, lifecycle: new Lifecycle(bus, opencode, (message) => notifier.warn(message)), bus, notifier })
  /** A hand-off queued by step `call` of the caller's running turn in session S. */
  const queue = (text: string, call: string, extra: Partial<HandoffRequest> = {}) =>
    book.enqueue({ kind: "message", sessionID: "S", agent: "build", text, from: { agent: "plan", sessionID: "S" }, call, callID: `call_${text}`, ...extra })
  return { joiner, book, fake, state, stored, toasts, logs, kicked, queue, summary: () => summary! }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("Joiner with a message hand-off", () => {
  it("stores it when a later step's text ends, not when the step that queued it ends", async () => {
    const { joiner, book, stored, queue } = setup()
    queue("go on", "msg_1")
    await joiner.textEnded("S", "msg_1")
    expect(stored).toEqual([])
    expect(book.pending("S")).toHaveLength(1)

    await joiner.textEnded("S", "msg_2")
    expect(stored.map((s) => `${s.sessionID} ${s.input.agent}`)).toEqual(["S build"])
    expect(stored[0]?.input.text).toMatch(/^\[Handed over by agent "plan".*\]\n\ngo on$/)
    expect(stored[0]?.input.metadata[MARKER]).toEqual({ kind: "message", fromAgent: "plan", fromSession: "S", callID: "call_go on", v: PROTOCOL })
    expect(book.pending("S")).toEqual([])
  })

  it("joins one hand-off per text end, in call order", async () => {
    const { joiner, stored, queue } = setup()
    queue("first", "msg_1")
    queue("second", "msg_1")

    const texts = () => stored.map((s) => s.input.text.split("\n\n")[1])
    await joiner.textEnded("S", "msg_2")
    expect(texts()).toEqual(["first"])
    await joiner.textEnded("S", "msg_3")
    expect(texts()).toEqual(["first", "second"])
  })

  it("puts a hand-off whose store fails back at the head of the queue, kicks delivery, and warns", async () => {
    const { joiner, book, state, toasts, logs, kicked, queue } = setup()
    const [first, second] = [queue("first", "msg_1"), queue("second", "msg_1")]
    state.refuseStores = true

    await joiner.textEnded("S", "msg_2")
    expect(book.pending("S").map((h) => h.id)).toEqual([first.id, second.id])
    expect(kicked).toEqual(["S"])
    await tick()
    expect(toasts).toEqual([{ variant: "warning", message: expect.stringContaining("could not join the running turn (store refused)") }])
    expect(logs).toEqual([`warn ${toasts[0]?.message}`])
    // It never joined: a failure of the turn is not its own.
    joiner.failed("S", new Error("boom"))
    await tick()
    expect(toasts).toHaveLength(1)
  })

  it("reports a turn that failed after a hand-off joined it, once", async () => {
    const { joiner, toasts, queue } = setup()
    queue("go on", "msg_1")
    await joiner.textEnded("S", "msg_2")

    joiner.failed("S", new Error("model overloaded"))
    joiner.failed("S", new Error("model overloaded"))
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "build's turn after the hand-off failed: model overloaded" }])
  })
})

describe("Joiner with a compact hand-off", () => {
  it("asks to compact, holds the step until the request is stored, and stores the hand-off as the summary's text ends", async () => {
    const { joiner, book, fake, state, stored, toasts, kicked, queue, summary } = setup()
    queue("continue", "msg_1", { kind: "compact", summaryModel })

    let held = true
    const step = joiner.textEnded("S", "msg_2").then(() => (held = false))
    await vi.waitFor(() => expect(fake.summarize).toHaveBeenCalledWith("S", summaryModel))
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(held).toBe(true) // the request is not stored yet (summarize is never awaited)
    expect(fake.messages).toHaveBeenLastCalledWith("S", 1)

    state.newest = "msg_compaction"
    await step
    await joiner.textEnded("S", "msg_2") // another text of the step that asked: not the summary's
    expect(stored).toEqual([])
    await joiner.textEnded("S", "msg_summary")
    expect(stored).toHaveLength(1)
    expect(stored[0]?.input.text).toMatch(/\n\ncontinue$/)
    expect(stored[0]?.input.metadata[MARKER]).toMatchObject({ kind: "compact", callID: "call_continue" })
    await tick()
    expect(toasts).toEqual([{ variant: "info", message: "Compacted S; build continues." }])

    // The compaction answers once the turn ends: nothing is put back then.
    summary().done()
    await tick()
    expect(book.pending("S")).toEqual([])
    expect(kicked).toEqual([])
  })

  it("puts the hand-off back and warns when OpenCode refuses to compact now", async () => {
    const { joiner, book, stored, toasts, kicked, queue, summary } = setup()
    const handoff = queue("continue", "msg_1", { kind: "compact", summaryModel })

    let held = true
    void joiner.textEnded("S", "msg_2").then(() => (held = false))
    await tick()
    summary().refuse(new Error("session busy"))
    await vi.waitFor(() => expect(held).toBe(false), { timeout: 500 })
    expect(book.pending("S")).toEqual([handoff])
    expect(kicked).toEqual(["S"])
    expect(toasts).toEqual([{ variant: "warning", message: "Compaction could not join the running turn (session busy); it happens when the turn ends." }])
    expect(stored).toEqual([])
  })

  it("puts the hand-off back as summarized when the compaction ended without its summary's text", async () => {
    const { joiner, book, state, stored, toasts, kicked, queue, summary } = setup()
    queue("continue", "msg_1", { kind: "compact", summaryModel })
    const step = joiner.textEnded("S", "msg_2")
    state.newest = "msg_compaction"
    await step

    summary().done()
    await tick()
    expect(book.pending("S")).toEqual([expect.objectContaining({ kind: "compact", text: "continue", summarized: true })])
    expect(kicked).toEqual(["S"])
    expect(toasts).toEqual([{ variant: "warning", message: expect.stringContaining("did not reach build within the turn") }])
    // Summarized, it no longer joins a turn: delivery sends it.
    await joiner.textEnded("S", "msg_3")
    expect(stored).toEqual([])
  })

  it("gives back a compaction's hand-off still waiting for its summary when the person interrupts", async () => {
    const { joiner, book, state, kicked, queue, summary } = setup()
    const handoff = queue("continue", "msg_1", { kind: "compact", summaryModel })
    const step = joiner.textEnded("S", "msg_2")
    state.newest = "msg_compaction"
    await step

    expect(joiner.interrupted("S")).toEqual([handoff])
    expect(joiner.interrupted("S")).toEqual([])
    summary().refuse(new Error("aborted"))
    await tick()
    expect(book.pending("S")).toEqual([])
    expect(kicked).toEqual([])
  })

  it("never throws when the session cannot be read: the hand-off goes back and the person hears why", async () => {
    const { joiner, book, fake, state, toasts, kicked, queue } = setup()
    const handoff = queue("continue", "msg_1", { kind: "compact", summaryModel })
    state.unreadable = true

    await expect(joiner.textEnded("S", "msg_2")).resolves.toBeUndefined()
    expect(fake.summarize).not.toHaveBeenCalled()
    expect(book.pending("S")).toEqual([handoff])
    expect(kicked).toEqual(["S"])
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "Could not hand over within the running turn in S: server gone" }])
  })

  // Doubt, see report: the summary was written, yet a store that fails puts the hand-off back
  // without `summarized`, so delivery compacts the session a second time at idle.
  it("puts a hand-off back as summarized when its store fails after the summary's text ended", async () => {
    const { joiner, book, state, queue } = setup()
    queue("continue", "msg_1", { kind: "compact", summaryModel })
    const step = joiner.textEnded("S", "msg_2")
    state.newest = "msg_compaction"
    await step
    state.refuseStores = true
    await joiner.textEnded("S", "msg_summary")
    expect(book.pending("S")).toEqual([expect.objectContaining({ summarized: true })])
  })
})
