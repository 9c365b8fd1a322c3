import { describe, expect, it, vi } from "vitest"
import { Delivery } from "./delivery.js"
import { HandoffBook } from "../../core/book.js"
import { Bus } from "../../core/bus.js"
import { Lifecycle } from "../lifecycle/lifecycle.js"
import { MARKER } from "../../core/protocol.js"
import type { HandoffRequest } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { Opencode, PromptInput, ToastVariant } from "../host/opencode.js"

type Answer = Awaited<ReturnType<Opencode["prompt"]>>
type PendingPrompt = {
  sessionID: string
  input: PromptInput
  answer: (error?: { name: string; data?: { message: string } }) => void
  fail: (error: unknown) => void
}

/** A fake server: prompts stay pending until the test answers them, like a running turn. */
function fakeServer() {
  const prompts: PendingPrompt[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const logs: { level: string; message: string }[] = []
  const calls: string[] = []
  const fake = {
    prompt: (sessionID: string, input: PromptInput) =>
      new Promise<Answer>((resolve, reject) => {
        calls.push(`prompt ${input.agent}`)
        prompts.push({
          sessionID,
          input,
          answer: (error) => resolve({ info: { id: "a", role: "assistant", error, time: { created: 1, completed: 2 }, finish: "stop" }, parts: [] }),
          fail: reject,
        })
      }),
    summarize: vi.fn(async () => {
      calls.push("summarize")
    }),
    toast: async (message: string, variant: ToastVariant) => {
      toasts.push({ message, variant })
    },
    log: async (level: string, message: string) => {
      logs.push({ level, message })
    },
  }
  return { opencode: fake as unknown as Opencode, fake, prompts, toasts, logs, calls }
}

function setup() {
  const server = fakeServer()
  const book = new HandoffBook(8)
  const notifier = new Notifier(server.opencode, true)
  const lifecycle = new Lifecycle(new Bus(() => undefined), server.opencode, (message) => notifier.warn(message))
  const delivery = new Delivery({ opencode: server.opencode, book, lifecycle, notifier })
  const queue = (text: string, agent = "build", extra: Partial<HandoffRequest> = {}) =>
    book.enqueue({ kind: "message", sessionID: "S", agent, text, from: { agent: "plan", sessionID: "S" }, ...extra })
  return { ...server, book, lifecycle, delivery, queue }
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 10))

describe("Delivery.kick", () => {
  it("delivers each queued hand-off once, in order, waiting for each turn before the next", async () => {
    const { delivery, queue, prompts, book } = setup()
    queue("first", "build")
    queue("second", "review")

    delivery.kick("S")
    delivery.kick("S") // a duplicate idle signal
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    await settle()
    expect(prompts).toHaveLength(1) // the second waits for the first turn to end

    const first = prompts[0]
    expect(first?.sessionID).toBe("S")
    expect(first?.input.agent).toBe("build")
    expect(first?.input.text).toMatch(/^\[Handed over by agent "plan".*\]\n\nfirst$/)
    expect(first?.input.metadata[MARKER]).toMatchObject({ kind: "message", fromAgent: "plan" })

    first?.answer()
    await vi.waitFor(() => expect(prompts).toHaveLength(2))
    expect(prompts[1]?.input.agent).toBe("review")
    expect(prompts[1]?.input.text.endsWith("\n\nsecond")).toBe(true)
    prompts[1]?.answer()
    await settle()

    expect(prompts).toHaveLength(2)
    expect(book.pending("S")).toEqual([])
    // The chain has ended: a hand-off queued later starts a new one.
    queue("third")
    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(3))
  })

  it("delivers nothing while a turn runs in the session, and delivers once it is idle", async () => {
    const { delivery, queue, prompts, book, lifecycle } = setup()
    lifecycle.began("S")
    queue("wait for me")

    delivery.kick("S")
    await settle()
    expect(prompts).toHaveLength(0)
    expect(book.pending("S")).toHaveLength(1)

    lifecycle.ended("S")
    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    expect(prompts[0]?.input.text.endsWith("wait for me")).toBe(true)
  })

  it("drops the rest of the queue with a warning when the delivered turn is aborted", async () => {
    const { delivery, queue, prompts, book, toasts, logs } = setup()
    queue("one", "build")
    queue("two", "plan")
    queue("three", "build")

    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    prompts[0]?.answer({ name: "MessageAbortedError", data: { message: "The operation was aborted." } })
    await settle()

    expect(prompts).toHaveLength(1)
    expect(book.pending("S")).toEqual([])
    expect(toasts).toHaveLength(1)
    expect(toasts[0]?.variant).toBe("warning")
    expect(toasts[0]?.message).toContain("dropped 2 queued hand-offs (message → plan, message → build)")
    expect(logs.map((l) => l.level)).toEqual(["warn"])
  })

  it("reports a prompt that throws through a toast and the log, and still delivers the next hand-off", async () => {
    const { delivery, queue, prompts, toasts, logs } = setup()
    queue("doomed", "build")
    queue("survivor", "plan")

    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    prompts[0]?.fail(new Error("connection reset"))
    await vi.waitFor(() => expect(prompts).toHaveLength(2))
    expect(prompts[1]?.input.text.endsWith("survivor")).toBe(true)

    expect(toasts).toEqual([{ variant: "error", message: expect.stringContaining("connection reset") }])
    expect(toasts[0]?.message).toContain("plan → build")
    expect(logs).toEqual([{ level: "error", message: toasts[0]?.message }])
  })

  it("reports a turn that ended in another error, and keeps delivering", async () => {
    const { delivery, queue, prompts, toasts } = setup()
    queue("one", "build")
    queue("two", "plan")

    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    prompts[0]?.answer({ name: "ProviderAuthError", data: { message: "bad key" } })
    await vi.waitFor(() => expect(prompts).toHaveLength(2))

    expect(toasts).toHaveLength(1)
    expect(toasts[0]?.variant).toBe("error")
    expect(toasts[0]?.message).toContain("ProviderAuthError: bad key")
  })

  it("compacts with the caller's model before prompting a compact hand-off", async () => {
    const { delivery, queue, prompts, fake, calls } = setup()
    const summaryModel = { providerID: "p", modelID: "m" }
    queue("continue", "build", { kind: "compact", summaryModel })

    delivery.kick("S")
    await vi.waitFor(() => expect(prompts).toHaveLength(1))
    expect(fake.summarize).toHaveBeenCalledWith("S", summaryModel)
    expect(calls).toEqual(["summarize", "prompt build"])
  })
})

describe("Delivery.cancel", () => {
  it("shows no toast and writes no log when nothing is queued", async () => {
    const { delivery, toasts, logs } = setup()
    delivery.cancel("S")
    await settle()
    expect(toasts).toEqual([])
    expect(logs).toEqual([])
  })

  it("drops what is queued and says how many, in the singular for one", async () => {
    const { delivery, queue, toasts, book } = setup()
    queue("one", "plan")
    delivery.cancel("S")
    await settle()
    expect(book.pending("S")).toEqual([])
    expect(toasts).toEqual([{ variant: "warning", message: "Interrupted: dropped 1 queued hand-off (message → plan)." }])
  })
})
