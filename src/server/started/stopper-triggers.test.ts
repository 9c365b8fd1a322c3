/** What stops started sessions without the caller asking: the person's interruption of the caller's turn, and the maxTokens limit. */
import { describe, expect, it, vi } from "vitest"
import { assistant, calls, sessionCall, startedRecord, startMarker, stored, user } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { HandoffBook } from "../../core/book.js"
import type { Stored } from "../../core/stored.js"
import { OpencodeCallError } from "../host/errors.js"
import { Notifier } from "../host/notify.js"
import type { ToastVariant } from "../host/opencode.js"
import { Stopper } from "./stopper.js"

const CALLER = "ses_caller"
const aborted = { name: "MessageAbortedError", data: { message: "aborted" } }
/** One turn of the caller: its user message `turn`, and its answer `call` starting `sessions`. */
const callerTurn = (turn: string, call: string, sessions: string[], info: Record<string, unknown> = {}) => [
  user(turn),
  calls(
    call,
    sessions.map((id) => sessionCall(`c_${id}`, {}, startedRecord(id, { mode: "new" }))),
    { parentID: turn, ...info },
  ),
]

type Setup = { sessions?: Record<string, Stored[]>; maxTokens?: number; maxTreeTokens?: number; abortFails?: boolean }

/** The real lifecycle, book and notifier over a fake OpenCode; no session waits for a place here. */
function setup({ sessions = {}, maxTokens = 0, maxTreeTokens = 0, abortFails = false }: Setup = {}) {
  const stops: string[] = []
  const reads: string[] = []
  const asked: string[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const opencode = fakeOpencode({
    abort: async (sessionID) => {
      stops.push(sessionID)
      if (abortFails) throw new Error("abort refused")
    },
    messages: async (sessionID) => {
      reads.push(sessionID)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return messages
    },
    store: async () => undefined,
    statuses: async () => {
      asked.push("statuses")
      return {}
    },
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  })
  const { lifecycle } = lifecycleOver(opencode)
  const notifier = new Notifier(opencode, false)
  const stopperOver = () =>
    new Stopper({ opencode, book: new HandoffBook(10), launcher: { dropOne: () => false }, lifecycle, notifier, maxTokens, maxTreeTokens })
  const stopper = stopperOver()
  /** A session the tool started from the caller's message `call`, whose turn runs. */
  const running = (sessionID: string, call = "a1", callerID = CALLER) => {
    lifecycle.started(sessionID, startMarker(callerID, { mode: "new", call, title: `New (plan): ${sessionID}` }))
    lifecycle.began(sessionID)
  }
  /** What the session's own answer `messageID` has cost so far (OpenCode updates it as it goes). */
  const uses = (sessionID: string, input: number, output: number, messageID = "msg_1") =>
    lifecycle.used(sessionID, messageID, Date.now(), { input, output, cost: 0 })
  const warnings = () => toasts.filter((toast) => toast.variant === "warning").map((toast) => toast.message)
  return { stopper, stopperOver, lifecycle, stops, reads, asked, warnings, running, uses }
}

describe("Stopper.callerInterrupted", () => {
  it("stops the running sessions the interrupted turn started, not those of earlier turns, and acts once per turn", async () => {
    const turn = "msg_interrupt_u2"
    const { stopper, lifecycle, stops, running } = setup({
      sessions: {
        [CALLER]: stored(...callerTurn("msg_interrupt_u1", "a1", ["ses_old"]), ...callerTurn(turn, "a2", ["ses_new", "ses_new_done"])),
        ses_new_done: stored(user("u1", "go", startMarker(CALLER, { call: "a2" })), assistant("a9", "Done.")),
      },
    })
    running("ses_old", "a1")
    running("ses_new", "a2")
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([{ sessionID: "ses_new", was: "running", droppedFollowUps: 0 }])
    expect(stops).toEqual(["ses_new"])
    expect(lifecycle.life("ses_new")?.state).toEqual({ state: "stopped", by: "interrupt" })
    expect(lifecycle.life("ses_old")?.state).toEqual({ state: "running" })
    expect(lifecycle.life("ses_new_done")?.state).toEqual({ state: "answered" })
    // The other copy of the plugin hears the same interruption: nothing more.
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([])
    expect(stops).toEqual(["ses_new"])
  })

  it("finds the interrupted turn from the caller's aborted answer when the signal did not say", async () => {
    const { stopper, stops, running } = setup({
      sessions: { [CALLER]: stored(...callerTurn("msg_derive_u1", "a1", ["ses_old"]), ...callerTurn("msg_derive_u2", "a2", ["ses_new"], { error: aborted })) },
    })
    running("ses_old", "a1")
    running("ses_new", "a2")
    expect(await stopper.callerInterrupted(CALLER)).toEqual([{ sessionID: "ses_new", was: "running", droppedFollowUps: 0 }])
    expect(stops).toEqual(["ses_new"])
  })

  it("stops nothing, and reads no started session, when no answer of the caller was aborted and the signal did not say", async () => {
    const { stopper, stops, reads, running } = setup({ sessions: { [CALLER]: stored(...callerTurn("msg_none_u1", "a1", ["ses_old"])) } })
    running("ses_old", "a1")
    expect(await stopper.callerInterrupted(CALLER)).toEqual([])
    expect(stops).toEqual([])
    expect(reads).toEqual([CALLER])
  })

  it("stops nothing when the interrupted turn started no session", async () => {
    const turn = "msg_interrupt_none_u2"
    const { stopper, stops, running } = setup({
      sessions: { [CALLER]: stored(...callerTurn("msg_interrupt_none_u1", "a1", ["ses_old"]), ...callerTurn(turn, "a2", [])) },
    })
    running("ses_old", "a1")
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([])
    expect(stops).toEqual([])
  })
})

describe("Stopper.stepBegan (maxTokens)", () => {
  it("stops nothing when maxTokens is 0", async () => {
    const { stopper, lifecycle, stops, running, uses } = setup({ maxTokens: 0 })
    running("ses_tl_off")
    uses("ses_tl_off", 1_000, 1_000)
    stopper.stepBegan("ses_tl_off")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).toEqual([])
    expect(lifecycle.life("ses_tl_off")?.state).toEqual({ state: "running" })
  })

  it("stops nothing, and reads nothing, in a session the tool did not start", async () => {
    const { stopper, lifecycle, stops, reads, warnings, uses } = setup({ maxTokens: 100 })
    lifecycle.began("ses_tl_person")
    uses("ses_tl_person", 1_000, 1_000)
    stopper.stepBegan("ses_tl_person")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect([stops, reads, warnings()]).toEqual([[], [], []])
  })

  it("stops a session once its own input and output are over the limit, as its caller's, saying the limit and what it used, and warns once", async () => {
    const { stopper, stopperOver, lifecycle, stops, reads, warnings, running, uses } = setup({ maxTokens: 100 })
    running("ses_tl_over")
    // A fork's copies of its caller's answers were made before it started: they do not count.
    lifecycle.used("ses_tl_over", "msg_copy", 0, { input: 5_000, output: 0, cost: 0 })
    uses("ses_tl_over", 60, 40)
    // Both copies of the plugin (1.0) hear each step: one stop.
    const twin = stopperOver()
    stopper.stepBegan("ses_tl_over")
    twin.stepBegan("ses_tl_over")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).toEqual([])
    uses("ses_tl_over", 60, 41)
    twin.stepBegan("ses_tl_over")
    stopper.stepBegan("ses_tl_over")
    await vi.waitFor(() => expect(warnings()).toHaveLength(1))
    expect(stops).toEqual(["ses_tl_over"])
    expect(lifecycle.life("ses_tl_over")?.state).toEqual({ state: "stopped", by: "max-tokens", limit: 100, used: 101 })
    expect(warnings()[0]).toContain("New (plan): ses_tl_over")
    expect(warnings()[0]).toContain("101")
    expect(reads).toEqual([])
  })

  it("does not warn when the stop finds the session finished already", async () => {
    const { stopper, lifecycle, stops, asked, warnings, uses } = setup({ maxTokens: 100 })
    // An isolated one whose turn answered: whether it runs again is OpenCode's status to say (idle here).
    const marker = startMarker(CALLER, { mode: "new", title: "New (plan): ses_tl_done" })
    lifecycle.started("ses_tl_done", marker)
    lifecycle.placed("ses_tl_done", { ...marker, isolation: { kind: "worktree", root: "/r", prefix: "", directory: "/wt", branch: "b", base: "abc" } })
    lifecycle.change("ses_tl_done", { type: "began" })
    uses("ses_tl_done", 200, 0)
    lifecycle.answered("ses_tl_done", { state: "answered" }, "Done.")
    stopper.stepBegan("ses_tl_done")
    await vi.waitFor(() => expect(asked).toEqual(["statuses"]))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).toEqual([])
    expect(warnings()).toEqual([])
    expect(lifecycle.life("ses_tl_done")?.state).toEqual({ state: "answered" })
  })

  it("warns, and does not throw, when the stop fails", async () => {
    const { stopper, warnings, running, uses } = setup({ maxTokens: 100, abortFails: true })
    running("ses_tl_fails")
    uses("ses_tl_fails", 150, 0)
    stopper.stepBegan("ses_tl_fails")
    await vi.waitFor(() => expect(warnings()).toEqual(["Could not stop ses_tl_fails at maxTokens: abort refused"]))
  })
})

describe("Stopper.stepBegan (maxTreeTokens)", () => {
  it("stops each running session of a tree at its next step once everything started under the person's session used more together", async () => {
    const { stopper, lifecycle, stops, reads, warnings, running, uses } = setup({ maxTreeTokens: 100 })
    running("ses_tree_a")
    running("ses_tree_b", "a1", "ses_tree_a")
    running("ses_other", "a1", "ses_someone_else")
    uses("ses_tree_a", 30, 20)
    uses("ses_tree_b", 30, 20)
    uses("ses_other", 90, 0)
    stopper.stepBegan("ses_tree_b")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).toEqual([]) // 100 together: not over
    uses("ses_tree_b", 30, 21)
    stopper.stepBegan("ses_tree_b")
    await vi.waitFor(() => expect(stops).toEqual(["ses_tree_b"]))
    expect(lifecycle.life("ses_tree_b")?.state).toEqual({ state: "stopped", by: "max-tree-tokens", limit: 100, used: 101 })
    // Its caller runs on until its own next step.
    expect(lifecycle.life("ses_tree_a")?.state).toEqual({ state: "running" })
    stopper.stepBegan("ses_tree_a")
    await vi.waitFor(() => expect(stops).toEqual(["ses_tree_b", "ses_tree_a"]))
    expect(lifecycle.life("ses_tree_a")?.state).toMatchObject({ state: "stopped", by: "max-tree-tokens" })
    // Another person's tree is its own: its 90 counted nothing here, and this tree's tokens do not stop it.
    stopper.stepBegan("ses_other")
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).not.toContain("ses_other")
    expect(warnings().join("\n")).toMatch(/101 tokens together, over the limit of 100 \(option maxTreeTokens\)/)
    expect(reads).toEqual([])
  })

  it("stops a later turn of a session stopped at the limit (a report delivered to it) at its first step, not the stopped turn's last steps", async () => {
    const { stopper, lifecycle, stops, running, uses } = setup({ maxTokens: 100 })
    running("ses_tl_again")
    uses("ses_tl_again", 150, 0)
    stopper.stepBegan("ses_tl_again")
    await vi.waitFor(() => expect(stops).toEqual(["ses_tl_again"]))
    stopper.stepBegan("ses_tl_again") // the stopped turn's step, winding down
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(stops).toEqual(["ses_tl_again"])
    lifecycle.ended("ses_tl_again")
    lifecycle.began("ses_tl_again") // a report to it begins a turn
    stopper.stepBegan("ses_tl_again")
    await vi.waitFor(() => expect(stops).toEqual(["ses_tl_again", "ses_tl_again"]))
  })
})
