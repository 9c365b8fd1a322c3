import { afterEach, describe, expect, it, vi } from "vitest"
import { assistant, calls, sessionCall, startedRecord, startMarker, stored, textWith, user } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { HandoffBook } from "../../core/book.js"
import { PROTOCOL, type Isolation } from "../../core/protocol.js"
import { messageMarker, type Stored } from "../../core/stored.js"
import type { Call, HandoffRequest } from "../../core/types.js"
import { OpencodeCallError } from "../host/errors.js"
import { Notifier } from "../host/notify.js"
import type { PromptInput, ToastVariant } from "../host/opencode.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"
import type { Worktrees } from "../isolation/worktrees.js"
import { LifeChanged, TurnEnded } from "../lifecycle/signals.js"
import { words } from "../words/index.js"
import { FirstTurns } from "./first-turn.js"
import { Launcher } from "./launcher.js"
import { Stopper } from "./stopper.js"

const CALLER = "ses_caller"
const isolation: Isolation = { kind: "worktree", root: "/repo", prefix: "", directory: "/wt/x", branch: "b", base: "abc" }
const planned: PlannedIsolation = { ...isolation, base: Promise.resolve("abc") }
/** A started session's store: its first message with its marker, then its answer. */
const answeredSession = (call = "a1") => stored(user("u1", "go", startMarker(CALLER, { mode: "new", call })), assistant("a9", "Done."))
/** A follow-up or a report queued in `sessionID`. */
const queued = (kind: "follow-up" | "report", sessionID: string, followUpID = "fu_1"): HandoffRequest => ({
  ...{ kind, sessionID, agent: "plan", text: "x", from: { agent: "build", sessionID: CALLER } },
  ...(kind === "follow-up" ? { followUp: { id: followUpID, report: "each" as const } } : {}),
})

/** Lets the stop marker's store (fire and forget) run, with real or fake timers. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

type Setup = { statuses?: Record<string, { type: string }>; sessions?: Record<string, Stored[]>; abortFails?: boolean; storeFails?: boolean }

/** The real lifecycle, book, notifier and launcher (at most one running per caller) over a fake OpenCode; `statuses` only when given. */
function setup({ statuses, sessions = {}, abortFails = false, storeFails = false }: Setup = {}) {
  const aborted: string[] = []
  const notes: { sessionID: string; input: PromptInput }[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const opencode = fakeOpencode({
    ...(statuses ? { statuses: async () => statuses } : {}),
    abort: async (sessionID) => {
      aborted.push(sessionID)
      if (abortFails) throw new Error("abort refused")
    },
    messages: async (sessionID) => {
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return messages
    },
    store: async (sessionID, input) => {
      if (storeFails) throw new Error("store refused")
      notes.push({ sessionID, input })
    },
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  })
  const { bus, lifecycle, heard } = lifecycleOver(opencode)
  const book = new HandoffBook(10)
  const notifier = new Notifier(opencode, false)
  const turns = new FirstTurns({ opencode, lifecycle, placement: {} as Placement, notifier })
  const launcher = new Launcher({ turns, lifecycle, notifier, worktrees: {} as Worktrees, maxRunning: 1, quiet: () => true })
  const stopper = new Stopper({ opencode, book, launcher, lifecycle, notifier, maxTokens: 0 })
  // As services.ts wires them.
  bus.on(LifeChanged, ({ sessionID, keys }) => launcher.changed(lifecycle.life(sessionID), keys))
  bus.on(TurnEnded, ({ sessionID }) => stopper.turnEnded(sessionID))
  /** A session the tool started whose turn runs (OpenCode said busy). */
  const running = (sessionID: string, agent = "plan") => {
    lifecycle.started(sessionID, startMarker(CALLER, { mode: "new", agent, title: `New (${agent}): x` }))
    lifecycle.began(sessionID)
  }
  /** Launched while the caller's one place is taken: it waits for it (or, `planned`, is held for the caller's step). */
  const launch = (sessionID: string, agent = "plan", isolated?: PlannedIsolation) => {
    const call: Call = { sessionID: CALLER, messageID: "a1", callerAgent: "build", agent, text: "x", report: "each" }
    return launcher.launch(call, "new", { id: sessionID, title: `New (${agent}): x` }, isolated)
  }
  /** The stop markers stored, read back as the plugin reads them: session, agent, marker. */
  const markers = () =>
    notes.map(({ sessionID, input }) => [
      sessionID,
      input.agent,
      messageMarker(stored({ info: { id: "m", role: "user" }, parts: [textWith(input.text, input.metadata)] })[0]!),
    ])
  return { stopper, book, launcher, lifecycle, heard, aborted, notes, toasts, markers, running, launch }
}

afterEach(() => void vi.useRealTimers())

describe("Stopper.stop", () => {
  it("aborts a running session, makes its life stopped at once, drops what was queued, and stores the marker once its turn ends", async () => {
    const { stopper, book, lifecycle, aborted, notes, markers, running } = setup()
    running("ses_run", "docs")
    book.enqueue(queued("follow-up", "ses_run", "fu_1"))
    book.enqueue(queued("report", "ses_run"))
    book.enqueue(queued("follow-up", "ses_run", "fu_2"))
    expect(await stopper.stop(CALLER, ["ses_run"], { by: "caller" })).toEqual([{ sessionID: "ses_run", was: "running", droppedFollowUps: 2 }])
    expect(aborted).toEqual(["ses_run"])
    expect(book.pending("ses_run")).toEqual([])
    expect(lifecycle.life("ses_run")?.state).toEqual({ state: "stopped", by: "caller" })
    expect(lifecycle.life("ses_run")?.turns[0]?.state).toEqual({ state: "stopped", by: "caller" })
    await settle()
    expect(notes).toEqual([])
    // OpenCode tells of the abort, then the idle: the life still says who stopped it, and the marker goes in.
    lifecycle.interrupted("ses_run")
    lifecycle.ended("ses_run")
    await settle()
    expect(lifecycle.life("ses_run")?.state).toEqual({ state: "stopped", by: "caller" })
    expect(markers()).toEqual([["ses_run", "docs", { kind: "stop", fromSession: CALLER, by: "caller", dropped: ["fu_1", "fu_2"], v: PROTOCOL }]])
    expect(notes[0]!.input.text).toBe(words.header.stopped({ by: "caller" }))
    stopper.turnEnded("ses_run")
    await settle()
    expect(notes).toHaveLength(1)
  })

  it("stores the marker after 3 seconds when the stopped turn never says it ended", async () => {
    vi.useFakeTimers()
    const { stopper, lifecycle, markers, running } = setup()
    running("ses_run")
    expect(await stopper.stop(CALLER, ["ses_run"], { by: "max-tokens", limit: 10, used: 12 })).toEqual([
      { sessionID: "ses_run", was: "running", droppedFollowUps: 0 },
    ])
    expect(lifecycle.life("ses_run")?.state).toEqual({ state: "stopped", by: "max-tokens", limit: 10, used: 12 })
    await vi.advanceTimersByTimeAsync(2_999)
    await settle()
    expect(markers()).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(markers()).toEqual([["ses_run", "plan", { kind: "stop", fromSession: CALLER, by: "max-tokens", limit: 10, used: 12, v: PROTOCOL }]])
  })

  it("counts as running a first turn the tool sent, on the lifecycle's word alone (OpenCode's statuses are not asked)", async () => {
    const { stopper, lifecycle, aborted } = setup()
    lifecycle.started("ses_first", startMarker(CALLER))
    lifecycle.change("ses_first", { type: "began" })
    expect(await stopper.stop(CALLER, ["ses_first"], { by: "person" })).toEqual([{ sessionID: "ses_first", was: "running", droppedFollowUps: 0 }])
    expect(aborted).toEqual(["ses_first"])
  })

  it("drops a session waiting for a place without aborting it, leaves the others waiting, and stores its marker at once", async () => {
    const { stopper, launcher, lifecycle, aborted, markers, running, launch } = setup()
    running("ses_run")
    expect(await launch("ses_other")).toEqual({ kind: "waiting", running: 1 })
    expect(await launch("ses_wait", "review")).toEqual({ kind: "waiting", running: 1 })
    expect(await stopper.stop(CALLER, ["ses_wait"], { by: "caller" })).toEqual([{ sessionID: "ses_wait", was: "waiting", droppedFollowUps: 0 }])
    expect(aborted).toEqual([])
    expect(lifecycle.life("ses_wait")?.turns[0]?.state).toEqual({ state: "stopped", by: "caller" })
    expect(lifecycle.life("ses_other")?.turns[0]?.state).toEqual({ state: "waiting", for: "place" })
    await settle()
    expect(markers()).toEqual([["ses_wait", "review", { kind: "stop", fromSession: CALLER, by: "caller", v: PROTOCOL }]])
    // The launcher no longer has it to start: only ses_other still waits.
    expect(launcher.dropOne(CALLER, "ses_wait")).toBe(false)
    expect(launcher.stop()).toBe(1)
  })

  it("leaves a finished session alone: nothing aborted, nothing stored, its life its own", async () => {
    vi.useFakeTimers()
    const { stopper, lifecycle, aborted, notes, running } = setup()
    running("ses_done")
    lifecycle.ended("ses_done")
    expect(await stopper.stop(CALLER, ["ses_done"], { by: "caller" })).toEqual([{ sessionID: "ses_done", was: "finished", droppedFollowUps: 0 }])
    stopper.turnEnded("ses_done")
    await vi.advanceTimersByTimeAsync(5_000)
    await settle()
    expect(aborted).toEqual([])
    expect(notes).toEqual([])
    expect(lifecycle.life("ses_done")?.turns[0]?.state).toEqual({ state: "answered" })
  })

  it("rethrows when the abort fails: its turn runs on, owed to the caller as running, and no marker is stored", async () => {
    vi.useFakeTimers()
    const { stopper, lifecycle, notes, running } = setup({ abortFails: true })
    running("ses_run")
    await expect(stopper.stop(CALLER, ["ses_run"], { by: "caller" })).rejects.toThrow("abort refused")
    expect(lifecycle.isRunning("ses_run")).toBe(true)
    expect(lifecycle.life("ses_run")?.state).toEqual({ state: "running" })
    // Not stopped after all: the turn it owes its caller is still running, and answers when it ends.
    expect(lifecycle.life("ses_run")?.turns[0]?.state).toEqual({ state: "running" })
    lifecycle.ended("ses_run")
    expect(lifecycle.life("ses_run")?.turns[0]?.state).toEqual({ state: "answered" })
    await vi.advanceTimersByTimeAsync(5_000)
    await settle()
    expect(notes).toEqual([])
  })

  it("warns the person, and does not throw, when the marker cannot be stored", async () => {
    const { stopper, toasts, notes, running, launch } = setup({ storeFails: true })
    running("ses_run")
    await launch("ses_wait")
    expect(await stopper.stop(CALLER, ["ses_wait"], { by: "caller" })).toEqual([{ sessionID: "ses_wait", was: "waiting", droppedFollowUps: 0 }])
    await settle()
    expect(notes).toEqual([])
    expect(toasts).toHaveLength(1)
    expect(toasts[0]).toMatchObject({ variant: "warning", message: expect.stringContaining("ses_wait") })
  })
})

describe("Stopper.active and stopAll", () => {
  it("finds the sessions that run (by the lifecycle, or OpenCode's status for an isolated one) or wait (for a place or the step), in the order asked", async () => {
    const { stopper, lifecycle, running, launch } = setup({ statuses: { ses_iso: { type: "retry" }, ses_iso_idle: { type: "idle" } } })
    expect(await launch("ses_held", "plan", planned)).toMatchObject({ kind: "isolated" })
    expect(await launch("ses_wait")).toEqual({ kind: "waiting", running: 1 })
    lifecycle.started("ses_first", startMarker(CALLER))
    lifecycle.change("ses_first", { type: "began" })
    running("ses_busy")
    lifecycle.began("ses_unheld")
    running("ses_done")
    lifecycle.ended("ses_done")
    // Isolated ones whose first turn answered; the person may have resumed one in its worktree, where this copy hears nothing.
    for (const sessionID of ["ses_iso", "ses_iso_idle"]) {
      lifecycle.started(sessionID, startMarker(CALLER))
      lifecycle.placed(sessionID, startMarker(CALLER, { isolation }))
      lifecycle.change(sessionID, { type: "began" })
      lifecycle.answered(sessionID, { state: "answered" }, "Done.")
      expect(lifecycle.isRunning(sessionID)).toBe(false)
    }
    const asked = ["ses_done", "ses_iso_idle", "ses_held", "ses_first", "ses_wait", "ses_busy", "ses_unheld", "ses_iso", "ses_unknown"]
    expect(await stopper.active(asked)).toEqual(["ses_held", "ses_first", "ses_wait", "ses_busy", "ses_unheld", "ses_iso"])
  })

  it("stopAll stops only the caller's active sessions, those it holds only in memory or reads from the store included, and reports none finished", async () => {
    const callerMessages = stored(
      user("u1"),
      calls(
        "a1",
        ["ses_store_run", "ses_wait", "ses_done"].map((id) => sessionCall(`c_${id}`, {}, startedRecord(id, { mode: "new" }))),
      ),
    )
    const storeRun = stored(user("u1", "go", startMarker(CALLER, { mode: "new" })), calls("a2", []))
    const { stopper, lifecycle, aborted, running, launch } = setup({
      sessions: { [CALLER]: callerMessages, ses_store_run: storeRun, ses_done: answeredSession() },
    })
    // ses_mem: started in the caller's running step, whose record is not stored yet; it takes the one place, ses_wait waits.
    running("ses_mem")
    expect(await launch("ses_wait")).toEqual({ kind: "waiting", running: 1 })
    lifecycle.began("ses_store_run")
    const results = await stopper.stopAll(CALLER, { by: "person" })
    expect(results.map((result) => [result.sessionID, result.was])).toEqual([
      ["ses_store_run", "running"],
      ["ses_wait", "waiting"],
      ["ses_mem", "running"],
    ])
    expect(aborted.sort()).toEqual(["ses_mem", "ses_store_run"])
    for (const sessionID of ["ses_store_run", "ses_wait", "ses_mem"]) expect(lifecycle.life(sessionID)?.state).toEqual({ state: "stopped", by: "person" })
    expect(lifecycle.life("ses_done")?.state).toEqual({ state: "answered" })
  })
})
