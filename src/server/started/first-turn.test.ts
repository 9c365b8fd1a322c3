import type { Session } from "@opencode-ai/sdk"
import { afterEach, describe, expect, it, vi } from "vitest"
import { FirstTurns } from "./first-turn.js"
import { LineageStore } from "./lineage-store.js"
import { MARKER, PROTOCOL, type StartMarker } from "../../core/protocol.js"
import type { Call } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { Opencode, PromptInput, ToastVariant } from "../host/opencode.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"

type Answer = Awaited<ReturnType<Opencode["prompt"]>>

/** A fake server whose prompts stay pending until the test answers them; `titleFails` makes setTitle refuse. */
function setup(placement = {} as Placement, titleFails = false) {
  const prompted: { sessionID: string; input: PromptInput }[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const logs: string[] = []
  const deleted: string[] = []
  const titled: string[] = []
  let settle: { answer(info: Partial<Answer["info"]>, text?: string): void; fail(error: unknown): void } | undefined
  const opencode = {
    prompt: (sessionID: string, input: PromptInput) =>
      new Promise<Answer>((resolve, reject) => {
        prompted.push({ sessionID, input })
        settle = {
          answer: (info, text = "") =>
            resolve({ info: { time: { created: 1, completed: 2 }, finish: "stop", ...info }, parts: [{ type: "text", text }] } as unknown as Answer),
          fail: reject,
        }
      }),
    deleteSession: async (sessionID: string) => void deleted.push(sessionID),
    setTitle: async (sessionID: string, title: string) => {
      if (titleFails) throw new Error("title refused")
      titled.push(`${sessionID}: ${title}`)
    },
    toast: async (message: string, variant: ToastVariant) => void toasts.push({ message, variant }),
    log: async (level: string, message: string) => void logs.push(`${level} ${message}`),
  } as unknown as Opencode
  const lineage = new LineageStore(opencode)
  const turns = new FirstTurns({ opencode, lineage, placement, notifier: new Notifier(opencode, true) })
  const call: Call = {
    sessionID: "ses_parent",
    messageID: "msg_1",
    callerAgent: "build",
    agent: "plan",
    text: "Look into it.",
    report: "each",
    model: { providerID: "p", modelID: "m" },
  }
  const session = { id: "ses_child", title: "New (plan): Look into it." } as Session
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
  // The launcher remembers the session before its first turn.
  lineage.remember(session.id, marker)
  /** Begins the first turn; `done` tells whether `begin` has returned yet. */
  const begin = (extra: { planned?: PlannedIsolation; retitle?: boolean } = {}) => {
    const state = { done: false }
    const begun = turns.begin({ call, session, marker, ...extra })
    void begun.then(() => (state.done = true)).catch(() => undefined)
    return { begun, state }
  }
  return { turns, lineage, session, marker, begin, prompted, toasts, logs, deleted, titled, settle: () => settle! }
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
    expect(prompted[0]?.input.text).toMatch(/^\[Started by agent "build" with the session tool \(a new session\)[^\n]*\]\n\nLook into it\.$/)

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

  it("removes and forgets the session, and fails, when the first message fails before it is accepted", async () => {
    const { lineage, begin, deleted, toasts, settle } = setup()
    const { begun } = begin()
    await tick()
    settle().fail(new Error("agent vanished"))
    await expect(begun).rejects.toThrow("agent vanished")
    expect(deleted).toEqual(["ses_child"])
    expect(lineage.known("ses_child")).toBeUndefined()
    await tick()
    expect(toasts).toEqual([])
  })

  it("gives the turn's answer as its outcome", async () => {
    const { turns, begin, toasts, settle } = setup()
    const { begun } = begin()
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    const { outcome } = await begun
    settle().answer({}, "Found it.")
    expect(await outcome).toEqual({ state: "idle", answer: "Found it." })
    expect(toasts).toEqual([])
  })

  it("gives a failed turn as its outcome, with an error toast, and keeps the session", async () => {
    const { turns, lineage, marker, begin, deleted, toasts, logs, settle } = setup()
    const { begun } = begin()
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    const { outcome } = await begun
    settle().answer({ error: { name: "APIError", data: { message: "model overloaded" } } } as never)
    expect(await outcome).toEqual({ state: "failed", error: "APIError: model overloaded" })
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "New (plan): Look into it.: turn failed (APIError: model overloaded)" }])
    expect(logs).toEqual([`error ${toasts[0]?.message}`])
    expect(deleted).toEqual([])
    expect(lineage.known("ses_child")).toEqual(marker)
  })

  it("gives a prompt that fails once accepted as a failed outcome, and keeps the session", async () => {
    const { turns, begin, deleted, toasts, settle } = setup()
    const { begun } = begin()
    await tick()
    turns.accepted("ses_child")
    settle().fail(new Error("connection reset"))
    const { outcome } = await begun
    expect(await outcome).toEqual({ state: "failed", error: "connection reset" })
    await tick()
    expect(toasts).toEqual([{ variant: "error", message: "New (plan): Look into it.: its turn failed: connection reset" }])
    expect(deleted).toEqual([])
  })
})

describe("FirstTurns titles and isolation", () => {
  it("retitles the session once begun, and only warns when OpenCode refuses", async () => {
    for (const titleFails of [false, true]) {
      const { turns, begin, titled, toasts } = setup(undefined, titleFails)
      const { begun } = begin({ retitle: true })
      await tick()
      turns.accepted("ses_child")
      turns.requested("ses_child")
      await begun
      await tick()
      expect(titled).toEqual(titleFails ? [] : ["ses_child: New (plan): Look into it."])
      expect(toasts).toEqual(titleFails ? [{ variant: "warning", message: "Could not title the session ses_child: title refused" }] : [])
    }
  })

  it("removes and forgets an isolated session whose worktree cannot be made, and never prompts it", async () => {
    const create = vi.fn(async () => {
      throw new Error("git worktree add failed")
    })
    const { lineage, begin, prompted, deleted } = setup({ create } as unknown as Placement)
    const planned: PlannedIsolation = { kind: "worktree", root: "/repo", prefix: "", directory: "/wt", branch: "b", base: Promise.resolve("abc123") }
    await expect(begin({ planned }).begun).rejects.toThrow("git worktree add failed")
    expect(create).toHaveBeenCalledWith("ses_child", { ...planned, base: "abc123" })
    expect(deleted).toEqual(["ses_child"])
    expect(lineage.known("ses_child")).toBeUndefined()
    expect(prompted).toEqual([])
  })
})
