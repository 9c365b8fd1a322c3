import type { Event } from "@opencode-ai/sdk"
import { beforeEach, describe, expect, it, vi } from "vitest"
import { handleEvent, type EventTargets } from "./events.js"
import type { Opencode } from "./host/opencode.js"

const event = (type: string, properties: Record<string, unknown>) => ({ type, properties }) as unknown as Event
const status = (sessionID: string, type: string) => event("session.status", { sessionID, status: { type } })
const assistantUpdated = (sessionID: string, error?: { name: string }) =>
  event("message.updated", { info: { id: "a1", sessionID, role: "assistant", parentID: "u1", error } })
const aborted = { name: "MessageAbortedError", data: { message: "The operation was aborted." } }

/** Every target the events drive, each call written to one log in the order made: "target.method args". */
function setup(starters: Record<string, string> = {}, { stopWithCaller = true, stopped = [] as Array<{ sessionID: string }> } = {}) {
  const calls: string[] = []
  const dropped = [{ id: 7, kind: "compact" }]
  const record =
    (name: string, answer?: unknown) =>
    (...args: unknown[]) => {
      calls.push([name, ...args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg)))].join(" "))
      return answer
    }
  const worktrees = { orphans: vi.fn(async (): Promise<string[]> => []), deleted: vi.fn(async (_sessionID: string): Promise<unknown> => undefined) }
  const opencode = { log: vi.fn(async () => undefined) }
  const targets = {
    book: {
      markBusy: record("book.markBusy"),
      markIdle: record("book.markIdle"),
      forget: record("book.forget", []),
      size: () => ({ sessions: 0, queued: 0 }),
      heldSessions: () => [],
    },
    delivery: { kick: record("delivery.kick"), cancel: record("delivery.cancel") },
    joiner: { ended: record("joiner.ended"), failed: record("joiner.failed"), interrupted: record("joiner.interrupted", dropped) },
    reporter: { turnEnded: record("reporter.turnEnded"), forget: record("reporter.forget") },
    lineage: {
      known: (id: string) => (starters[id] ? { fromSession: starters[id] } : undefined),
      markerOf: async (id: string) => ({ title: `Title of ${id}` }),
      forget: record("lineage.forget"),
      size: () => 0,
    },
    stopper: {
      turnEnded: record("stopper.turnEnded"),
      callerInterrupted: async (...args: unknown[]) => (record("stopper.callerInterrupted")(...args), stopped),
      stopAll: async (...args: unknown[]) => (record("stopper.stopAll")(...args), stopped),
    },
    followUps: { forget: record("followUps.forget") },
    options: { stopWithCaller },
    launcher: { stepOver: record("launcher.stepOver"), cancelWaiting: record("launcher.cancelWaiting", []) },
    places: { forget: record("places.forget") },
    waits: { wake: record("waits.wake") },
    headless: { forget: record("headless.forget") },
    pending: { settle: record("pending.settle") },
    notifier: { info: record("notifier.info"), warn: record("notifier.warn"), error: record("notifier.error") },
    opencode: opencode as unknown as Opencode,
    worktrees,
  } as unknown as EventTargets
  return { targets, calls, worktrees, opencode, dropped }
}

/** Lets the promise callbacks (worktrees, log) run. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

const SWEPT = Symbol.for("opencode-sessions.worktrees-swept")
// Each test starts as the first event of a process: the sweep for orphaned worktrees runs once in it.
beforeEach(() => void delete (globalThis as { [SWEPT]?: true })[SWEPT])

describe("handleEvent on status", () => {
  it.each(["busy", "retry"])("marks the book busy on status %s, and does nothing else", (type) => {
    const { targets, calls } = setup()
    handleEvent(status("ses_A", type), targets)
    expect(calls).toEqual(["book.markBusy ses_A"])
  })

  const idleOf = (sessionID: string) => [
    `stopper.turnEnded ${sessionID}`,
    `launcher.stepOver ${sessionID}`,
    `joiner.ended ${sessionID}`,
    `book.markIdle ${sessionID}`,
    `delivery.kick ${sessionID}`,
    `reporter.turnEnded ${sessionID}`,
    `pending.settle ${sessionID}`,
  ]

  it.each([
    ["session.status idle", status("ses_child", "idle")],
    ["session.idle", event("session.idle", { sessionID: "ses_child" })],
  ])("on %s: ends the turn everywhere, in order, then wakes the waits of the session's starter", (_name, idle) => {
    const { targets, calls } = setup({ ses_child: "ses_parent" })
    handleEvent(idle, targets)
    expect(calls).toEqual([...idleOf("ses_child"), "waits.wake ses_parent"])
  })

  it("wakes no waits when the idle session was not started by the tool", () => {
    const { targets, calls } = setup({ ses_child: "ses_parent" })
    handleEvent(status("ses_person", "idle"), targets)
    expect(calls).toEqual(idleOf("ses_person"))
  })
})

describe("handleEvent on an interruption or an error", () => {
  const cancelled = (dropped: unknown) => ["joiner.interrupted ses_A", `delivery.cancel ses_A ${JSON.stringify(dropped)}`, "launcher.cancelWaiting ses_A"]

  it("cancels the queued hand-offs, with the one the joiner held, and the waiting starts, when an assistant message ends aborted", () => {
    const { targets, calls, dropped } = setup()
    handleEvent(assistantUpdated("ses_A", aborted), targets)
    expect(calls).toEqual([...cancelled(dropped), "stopper.callerInterrupted ses_A u1"])
  })

  it("stops the running sessions the interrupted turn started, and names them to the person; not with stopWithCaller: false", async () => {
    const { targets, calls } = setup({}, { stopped: [{ sessionID: "ses_x" }, { sessionID: "ses_y" }] })
    handleEvent(assistantUpdated("ses_A", aborted), targets)
    await flush()
    expect(calls.at(-1)).toMatch(
      /^notifier\.warn Interrupted: also stopped 2 sessions this turn started \(Title of ses_x, Title of ses_y\)\. Option stopWithCaller: false/,
    )
    const off = setup({}, { stopWithCaller: false })
    handleEvent(assistantUpdated("ses_A", aborted), off.targets)
    await flush()
    expect(off.calls.some((call) => call.startsWith("stopper"))).toBe(false)
  })

  it("cancels the same on a session.error that is an abort", () => {
    const { targets, calls, dropped } = setup()
    handleEvent(event("session.error", { sessionID: "ses_A", error: aborted }), targets)
    expect(calls).toEqual(cancelled(dropped))
  })

  it("ignores updated messages that are not aborted assistant messages", () => {
    const { targets, calls } = setup()
    handleEvent(assistantUpdated("ses_A"), targets)
    handleEvent(assistantUpdated("ses_A", { name: "APIError" }), targets)
    handleEvent(event("message.updated", { info: { id: "u1", sessionID: "ses_A", role: "user", error: aborted } }), targets)
    expect(calls).toEqual([])
  })

  it("tells the joiner of any other session error, and ignores one without a session or an error", () => {
    const { targets, calls } = setup()
    const error = { name: "APIError", data: { message: "overloaded" } }
    handleEvent(event("session.error", { sessionID: "ses_A", error }), targets)
    handleEvent(event("session.error", { error }), targets)
    handleEvent(event("session.error", { sessionID: "ses_A" }), targets)
    expect(calls).toEqual([`joiner.failed ses_A ${JSON.stringify(error)}`])
  })
})

describe("handleEvent on session.deleted", () => {
  const deleted = (id: string) => event("session.deleted", { info: { id } })

  it("forgets the session everywhere, wakes its starter's waits, settles its pending work and logs what is still held", async () => {
    const { targets, calls, worktrees, opencode } = setup({ ses_child: "ses_parent" })
    handleEvent(deleted("ses_child"), targets)
    expect(calls).toEqual([
      "book.forget ses_child",
      "lineage.forget ses_child",
      "places.forget ses_child",
      "reporter.forget ses_child",
      "headless.forget ses_child",
      "followUps.forget ses_child",
      "waits.wake ses_parent",
      "pending.settle ses_child",
    ])
    expect(worktrees.deleted.mock.calls).toEqual([["ses_child"]])
    expect(opencode.log).toHaveBeenCalledExactlyOnceWith(
      "debug",
      "session deleted; state released",
      expect.objectContaining({ sessionID: "ses_child", sessions: 0, queued: 0 }),
    )
    await flush()
    // No worktree: nothing to tell the person.
    expect(calls.filter((call) => call.startsWith("notifier"))).toEqual([])
  })

  it("tells the person where a deleted session's changed work is kept, and that an unchanged worktree is removed", async () => {
    const { targets, calls, worktrees } = setup()
    worktrees.deleted.mockResolvedValueOnce({ root: "/repo", kept: "refs/sessions/ses_A", files: [] }).mockResolvedValueOnce({ root: "/repo", files: [] })
    handleEvent(deleted("ses_A"), targets)
    handleEvent(deleted("ses_B"), targets)
    await flush()
    const notices = calls.filter((call) => call.startsWith("notifier"))
    expect(notices).toHaveLength(2)
    expect(notices[0]).toMatch(/^notifier\.warn Session ses_A was deleted: .*\/repo under refs\/sessions\/ses_A\.$/)
    expect(notices[1]).toMatch(/^notifier\.info Session ses_B was deleted: its worktree \(no changes\) is removed\.$/)
  })

  it("reports a worktree that could not be removed as an error", async () => {
    const { targets, calls, worktrees } = setup()
    worktrees.deleted.mockRejectedValueOnce(new Error("git is locked"))
    handleEvent(deleted("ses_A"), targets)
    await flush()
    expect(calls.filter((call) => call.startsWith("notifier"))).toEqual([
      expect.stringMatching(/^notifier\.error Session ses_A was deleted, .*: git is locked$/),
    ])
  })
})

describe("handleEvent on the TUI's command to stop what a session started", () => {
  const command = (text: string) => event("tui.command.execute", { command: text })

  it("stops what that session started, once however many copies of the plugin hear it, and tells the person", async () => {
    const { targets, calls } = setup({}, { stopped: [{ sessionID: "ses_x" }] })
    handleEvent(command("opencode-sessions.stop-started:ses_A:n1"), targets)
    handleEvent(command("opencode-sessions.stop-started:ses_A:n1"), setup().targets)
    await flush()
    expect(calls).toEqual(['stopper.stopAll ses_A {"by":"person"}', 'notifier.warn Stopped 1 session started here: Title of ses_x. {"sessionID":"ses_A"}'])
  })

  it("says so when nothing runs there, and ignores other commands", async () => {
    const { targets, calls } = setup()
    handleEvent(command("opencode-sessions.stop-started:ses_A:n2"), targets)
    handleEvent(command("session.interrupt"), targets)
    handleEvent(command("opencode-sessions.stop-started:not-a-session:n3"), targets)
    await flush()
    expect(calls).toEqual([
      'stopper.stopAll ses_A {"by":"person"}',
      'notifier.warn Nothing to stop: no session started here runs or waits to start. {"sessionID":"ses_A"}',
    ])
  })
})

describe("the sweep for worktrees of sessions deleted while no plugin watched", () => {
  it("looks once per process, at the first event, and handles each orphan as a deletion", async () => {
    const { targets, calls, worktrees } = setup()
    worktrees.orphans.mockResolvedValueOnce(["ses_old1", "ses_old2"])
    handleEvent(status("ses_A", "busy"), targets)
    handleEvent(status("ses_A", "busy"), targets)
    // Another instance of the plugin in the same process does not look again.
    const other = setup()
    handleEvent(status("ses_B", "busy"), other.targets)
    await flush()
    expect(worktrees.orphans).toHaveBeenCalledTimes(1)
    expect(other.worktrees.orphans).not.toHaveBeenCalled()
    expect(worktrees.deleted.mock.calls).toEqual([["ses_old1"], ["ses_old2"]])
    expect(calls).toEqual(["book.markBusy ses_A", "book.markBusy ses_A"])
  })

  it("warns the person when the look fails", async () => {
    const { targets, calls, worktrees } = setup()
    worktrees.orphans.mockRejectedValueOnce(new Error("no git"))
    handleEvent(status("ses_A", "busy"), targets)
    await flush()
    expect(calls).toEqual(["book.markBusy ses_A", "notifier.warn Could not look for worktrees left by deleted sessions: no git"])
  })
})
