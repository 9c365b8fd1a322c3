import { afterEach, describe, expect, it, vi } from "vitest"
import { assistant, calls, stored, type RawMessage } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { MARKER, PROTOCOL, type StartMarker } from "../../core/protocol.js"
import type { Call } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { PromptInput, ToastVariant } from "../host/opencode.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"
import { words } from "../words/index.js"
import { FirstTurns } from "./first-turn.js"

/** A fake server whose prompts stay pending until the test answers them (`settle()`); `titleFails` makes setTitle refuse. */
function setup(placement = {} as Placement, titleFails = false) {
  const prompted: { sessionID: string; input: PromptInput }[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const logs: string[] = []
  const deleted: string[] = []
  const titled: string[] = []
  let settle: { answer(raw: RawMessage): void; fail(error: unknown): void } | undefined
  const opencode = fakeOpencode({
    prompt: (sessionID, input) =>
      new Promise((resolve, reject) => {
        prompted.push({ sessionID, input })
        settle = { answer: (raw) => resolve(stored(raw)[0]!), fail: reject }
      }),
    deleteSession: async (sessionID) => void deleted.push(sessionID),
    setTitle: async (sessionID, title) => {
      if (titleFails) throw new Error("title refused")
      titled.push(`${sessionID}: ${title}`)
    },
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async (level, message) => void logs.push(`${level} ${message}`),
  })
  const { lifecycle, heard } = lifecycleOver(opencode)
  const turns = new FirstTurns({ opencode, lifecycle, placement, notifier: new Notifier(opencode, true) })
  const call: Call = {
    sessionID: "ses_parent",
    messageID: "msg_1",
    callerAgent: "build",
    agent: "plan",
    text: "Look into it.",
    report: "each",
    model: { providerID: "p", modelID: "m" },
  }
  const session = { id: "ses_child", title: "New (plan): Look into it." }
  const marker: StartMarker = {
    kind: "start",
    fromAgent: "build",
    fromSession: "ses_parent",
    mode: "new",
    agent: "plan",
    report: "each",
    call: "msg_1",
    title: session.title,
  }
  // The launcher tells the lifecycle of the session before its first turn.
  lifecycle.started(session.id, marker)
  /** Begins the first turn; `state.done` tells whether `begin` has returned yet. */
  const begin = (extra: { planned?: PlannedIsolation; retitle?: boolean } = {}) => {
    const state = { done: false }
    const begun = turns.begin({ call, session, marker, ...extra })
    void begun.then(() => (state.done = true)).catch(() => undefined)
    return { begun, state }
  }
  /** Begins the first turn, under way as OpenCode's hooks tell: its outcome to come. */
  const underway = async () => {
    const { begun } = begin()
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    return await begun
  }
  return { turns, lifecycle, heard, marker, begin, underway, prompted, toasts, logs, deleted, titled, settle: () => settle! }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

afterEach(() => void vi.useRealTimers())

describe("FirstTurns.begin", () => {
  it("prompts the session with its start marker and the caller's text, and returns once accepted and its first model request is on its way", async () => {
    const { turns, marker, begin, prompted } = setup()
    const { begun, state } = begin()
    await tick()
    expect(prompted).toHaveLength(1)
    expect(prompted[0]?.sessionID).toBe("ses_child")
    expect(prompted[0]?.input).toMatchObject({ agent: "plan", model: { providerID: "p", modelID: "m" } })
    expect(prompted[0]?.input.metadata).toEqual({ [MARKER]: { ...marker, v: PROTOCOL } })
    expect(prompted[0]?.input.text).toBe(`${words.header.started({ agent: "build", sessionID: "ses_parent" }, "new", "each")}\n\nLook into it.`)

    await tick()
    expect(state.done).toBe(false)
    turns.accepted("ses_child")
    await tick()
    expect(state.done).toBe(false)
    turns.requested("ses_child")
    await tick()
    expect(state.done).toBe(true)
    await begun
  })

  it("hears the signals from another copy of the plugin in the same process (OpenCode 1.0 calls one copy's hooks, runs the other's tool)", async () => {
    const { begin } = setup()
    const { turns: otherCopy } = setup()
    const { begun, state } = begin()
    await tick()
    otherCopy.accepted("ses_child")
    otherCopy.requested("ses_child")
    await tick()
    expect(state.done).toBe(true)
    await begun
  })

  it("returns about 2 s after its own acceptance when no model request is seen", async () => {
    vi.useFakeTimers()
    const { turns, begin } = setup()
    const { begun, state } = begin()
    turns.accepted("ses_other") // another session's message is not this one's
    await vi.advanceTimersByTimeAsync(2_100)
    expect(state.done).toBe(false)
    turns.accepted("ses_child")
    await vi.advanceTimersByTimeAsync(1_900)
    expect(state.done).toBe(false)
    await vi.advanceTimersByTimeAsync(200)
    expect(state.done).toBe(true)
    await begun
  })

  it("removes the session, and fails with the tool's refusal, when its first message is not accepted within 30 s", async () => {
    vi.useFakeTimers()
    const { begin, deleted } = setup()
    const { begun } = begin()
    const failed = expect(begun).rejects.toThrow(words.refusal.notAccepted("ses_child", 30))
    await vi.advanceTimersByTimeAsync(29_900)
    expect(deleted).toEqual([])
    await vi.advanceTimersByTimeAsync(200)
    await failed
    expect(deleted).toEqual(["ses_child"])
  })

  it("nextRequest (a follow-up's send): resolves at that session's next model request, or after 2 s without one", async () => {
    vi.useFakeTimers()
    const { turns } = setup()
    let seen = false
    void turns.nextRequest("ses_idle").then(() => (seen = true))
    turns.requested("ses_other")
    await vi.advanceTimersByTimeAsync(10)
    expect(seen).toBe(false)
    turns.requested("ses_idle")
    await vi.advanceTimersByTimeAsync(0)
    expect(seen).toBe(true)

    let late = false
    void turns.nextRequest("ses_quiet").then(() => (late = true))
    await vi.advanceTimersByTimeAsync(1_900)
    expect(late).toBe(false)
    await vi.advanceTimersByTimeAsync(200)
    expect(late).toBe(true)
  })

  it("removes the session, and fails, when the first message fails before it is accepted; the lifecycle is told nothing", async () => {
    const { begin, heard, deleted, toasts, settle } = setup()
    const { begun } = begin()
    await tick()
    settle().fail(new Error("agent vanished"))
    await expect(begun).rejects.toThrow("agent vanished")
    expect(deleted).toEqual(["ses_child"])
    await tick()
    expect(toasts).toEqual([])
    // The launcher tells the lifecycle what became of the start; this only sent it.
    expect(heard).toEqual([])
  })
})

describe("FirstTurns.begin: the outcome", () => {
  it("gives the turn's answer and its text", async () => {
    const { underway, toasts, settle } = setup()
    const { outcome } = await underway()
    settle().answer(assistant("a9", "Found it."))
    expect(await outcome).toEqual({ how: { state: "answered" }, answer: "Found it." })
    expect(toasts).toEqual([])
  })

  it("gives an interruption by the person without an error toast, and a turn cut off after its tool calls as cut off", async () => {
    for (const [raw, how] of [
      [assistant("a9", "", { error: { name: "MessageAbortedError", data: { message: "aborted" } } }), { state: "interrupted" }],
      [calls("a9", []), { state: "cut-off" }],
    ] as const) {
      const { underway, toasts, settle } = setup()
      const { outcome } = await underway()
      settle().answer(raw)
      expect(await outcome).toEqual({ how, answer: "" })
      await tick()
      expect(toasts).toEqual([])
    }
  })

  it("gives a failed turn, with an error toast and log, and keeps the session", async () => {
    const { underway, deleted, toasts, logs, settle } = setup()
    const { outcome } = await underway()
    settle().answer(assistant("a9", "", { error: { name: "APIError", data: { message: "model overloaded" } } }))
    expect(await outcome).toEqual({ how: { state: "failed", error: "APIError: model overloaded" }, answer: "" })
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "New (plan): Look into it.: turn failed (APIError: model overloaded)" }])
    expect(logs).toEqual([`error ${toasts[0]?.message}`])
    expect(deleted).toEqual([])
  })

  it("gives a prompt that fails once accepted as a failed turn, and keeps the session", async () => {
    const { turns, begin, deleted, toasts, settle } = setup()
    const { begun } = begin()
    await tick()
    turns.accepted("ses_child")
    settle().fail(new Error("connection reset"))
    const { outcome } = await begun
    expect(await outcome).toEqual({ how: { state: "failed", error: "connection reset" } })
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "New (plan): Look into it.: its turn failed: connection reset" }])
    expect(deleted).toEqual([])
  })
})
