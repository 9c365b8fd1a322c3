import { describe, expect, it, vi } from "vitest"
import { assistant, startMarker, stored, type RawMessage } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import type { Call } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { ToastVariant } from "../host/opencode.js"
import type { Placement } from "../isolation/placement.js"
import type { Worktrees } from "../isolation/worktrees.js"
import { LifeChanged } from "../lifecycle/signals.js"
import { FirstTurns } from "./first-turn.js"
import { Launcher } from "./launcher.js"

const CALLER = "ses_parent"
const aborted = { name: "MessageAbortedError", data: { message: "aborted" } }
const overloaded = { name: "APIError", data: { message: "model overloaded" } }

/** A fake server whose prompts the test ends one by one (`end(id)`); `prompted` lists the sessions asked, in order. */
function setup(maxRunning = 8) {
  const prompted: string[] = []
  const ends = new Map<string, { answer(raw: RawMessage): void; fail(error: unknown): void }>()
  const toasts: { message: string; variant: ToastVariant }[] = []
  const deleted: string[] = []
  const opencode = fakeOpencode({
    prompt: (sessionID) =>
      new Promise((resolve, reject) => {
        prompted.push(sessionID)
        ends.set(sessionID, { answer: (raw) => resolve(stored(raw)[0]!), fail: reject })
      }),
    deleteSession: async (sessionID) => void deleted.push(sessionID),
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  })
  const { bus, lifecycle, heard } = lifecycleOver(opencode)
  const notifier = new Notifier(opencode, true)
  const turns = new FirstTurns({ opencode, lifecycle, placement: {} as Placement, notifier })
  const launcher = new Launcher({ turns, lifecycle, notifier, worktrees: {} as Worktrees, maxRunning, quiet: () => true })
  // As services.ts wires it: a first turn that is over frees its place.
  bus.on(LifeChanged, ({ sessionID, keys }) => launcher.changed(lifecycle.life(sessionID), keys))
  const call: Call = { sessionID: CALLER, messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Look into it.", report: "each", depth: 1 }
  const launching = (id: string) => launcher.launch(call, "new", { id, title: `New (plan): ${id}` })
  /** What OpenCode's hooks tell once the session runs: its first message accepted, its first model request going out. */
  const underway = (id: string) => {
    turns.accepted(id)
    turns.requested(id)
  }
  /** Launches `id`; if its first turn begins now, OpenCode accepts it. */
  const launch = async (id: string) => {
    const launched = launching(id)
    await tick()
    if (prompted.includes(id)) underway(id)
    return launched
  }
  const first = (id: string) => lifecycle.life(id)?.turns[0]?.state
  const end = (id: string) => ends.get(id)!
  return { launcher, turns, lifecycle, heard, prompted, toasts, deleted, launching, launch, underway, first, end }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("Launcher", () => {
  it("returns once the session accepted its first message, and its answer reaches the lifecycle, text and all", async () => {
    const { lifecycle, heard, prompted, toasts, launching, underway, first, end } = setup()
    const launched = launching("ses_child")
    await tick()
    expect(prompted).toEqual(["ses_child"])
    expect(first("ses_child")).toEqual({ state: "running" })
    expect(heard).toContainEqual({ signal: "turn.began", payload: { sessionID: "ses_child" } })
    underway("ses_child")
    expect(await launched).toEqual({ kind: "started" })
    expect(lifecycle.heldChildren(CALLER).map((life) => life.marker)).toEqual([
      {
        kind: "start",
        fromAgent: "build",
        fromSession: CALLER,
        mode: "new",
        agent: "plan",
        report: "each",
        call: "msg_1",
        title: "New (plan): ses_child",
        depth: 1,
      },
    ])
    expect(toasts).toEqual([{ variant: "info", message: "build started plan: New (plan): ses_child" }])
    // Its depth is written down with it: known again after a restart.
    expect(await lifecycle.depthOf("ses_child")).toBe(1)

    // OpenCode says the turn runs: then its idle, not the prompt's answer, says when it is over.
    lifecycle.began("ses_child")
    end("ses_child").answer(assistant("a9", "Found it."))
    await vi.waitFor(() => expect(first("ses_child")).toEqual({ state: "answered" }))
    // The answer is known without reading the store (this fake has no messages to read).
    const life = lifecycle.life("ses_child")!
    expect(await lifecycle.answers(life, ["ses_child"])).toEqual(new Map([["ses_child", "Found it."]]))
    expect(lifecycle.isRunning("ses_child")).toBe(true)
    lifecycle.ended("ses_child")
    expect(lifecycle.isRunning("ses_child")).toBe(false)
    expect(first("ses_child")).toEqual({ state: "answered" })
  })

  it("waits, once accepted, for the started turn's first model request before returning", async () => {
    const { turns, launching } = setup()
    let returned = false
    const launched = launching("ses_child").then((result) => {
      returned = true
      return result
    })
    await tick()
    turns.accepted("ses_child")
    await tick()
    expect(returned).toBe(false)
    turns.requested("ses_child")
    expect(await launched).toEqual({ kind: "started" })
  })

  it("removes the session when its first message fails before it is accepted, and adds nothing to the tool's refusal", async () => {
    const { lifecycle, launching, toasts, deleted, end, first } = setup()
    const launched = launching("ses_child")
    await tick()
    end("ses_child").fail(new Error("agent vanished"))
    await expect(launched).rejects.toThrow("agent vanished")
    expect(deleted).toEqual(["ses_child"])
    // No turn runs for it: it takes no place.
    expect(lifecycle.isRunning("ses_child")).toBe(false)
    expect(first("ses_child")?.state).not.toBe("running")
    await tick()
    // The tool's own refusal reaches the person: no toast from the launcher.
    expect(toasts).toEqual([])
  })

  it("forgets a session whose start failed: the caller holds no life for it, and no turn of it is owed", async () => {
    const { lifecycle, launching, end } = setup()
    const launched = launching("ses_child")
    await tick()
    end("ses_child").fail(new Error("agent vanished"))
    await expect(launched).rejects.toThrow("agent vanished")
    // Before OpenCode's deletion event comes back: the session is gone already, and nothing of it may be reported or listed.
    expect(lifecycle.heldChildren(CALLER)).toEqual([])
    expect(lifecycle.life("ses_child")).toBeUndefined()
  })

  it("ends the life as interrupted, without an error toast, when the person interrupts the first turn", async () => {
    const { launch, toasts, end, first } = setup()
    await launch("ses_child")
    end("ses_child").answer(assistant("a9", "", { error: aborted }))
    await vi.waitFor(() => expect(first("ses_child")).toEqual({ state: "interrupted" }))
    expect(toasts.filter((toast) => toast.variant === "error")).toEqual([])
  })

  it("ends the life as failed, with an error toast, when the first turn fails", async () => {
    const { launch, toasts, end, first } = setup()
    await launch("ses_child")
    end("ses_child").answer(assistant("a9", "", { error: overloaded }))
    await vi.waitFor(() => expect(first("ses_child")).toEqual({ state: "failed", error: "APIError: model overloaded" }))
    await vi.waitFor(() => expect(toasts.find((toast) => toast.variant === "error")?.message).toContain("turn failed (APIError: model overloaded)"))
  })
})

describe("Launcher with maxRunning", () => {
  it("makes every session at once, runs at most maxRunning, and starts the waiting ones in call order as others end", async () => {
    const { launch, underway, prompted, toasts, first, end } = setup(2)
    expect(await launch("ses_a")).toEqual({ kind: "started" })
    expect(await launch("ses_b")).toEqual({ kind: "started" })
    expect(await launch("ses_c")).toEqual({ kind: "waiting", running: 2 })
    expect(await launch("ses_d")).toEqual({ kind: "waiting", running: 2 })
    expect(prompted).toEqual(["ses_a", "ses_b"])
    expect([first("ses_c"), first("ses_d")]).toEqual([
      { state: "waiting", for: "place" },
      { state: "waiting", for: "place" },
    ])
    expect(toasts).toContainEqual({ variant: "info", message: "build queued plan: New (plan): ses_c (2 running)" })

    end("ses_b").answer(assistant("a9", "ses_b done"))
    await vi.waitFor(() => expect(prompted).toEqual(["ses_a", "ses_b", "ses_c"]))
    underway("ses_c")
    expect(first("ses_c")).toEqual({ state: "running" })
    expect(first("ses_d")).toEqual({ state: "waiting", for: "place" })

    end("ses_a").answer(assistant("a9", "ses_a done"))
    await vi.waitFor(() => expect(prompted).toEqual(["ses_a", "ses_b", "ses_c", "ses_d"]))
    underway("ses_d")
    expect(first("ses_d")).toEqual({ state: "running" })
  })

  it("gives a place freed by a session it did not launch (read back after a restart) to the next one waiting", async () => {
    const { launch, lifecycle, prompted } = setup(1)
    // Started before the restart: read back, running a turn the person began.
    lifecycle.started("ses_before", startMarker(CALLER, { mode: "new", agent: "plan", title: "New (plan): before" }))
    lifecycle.change("ses_before", { type: "began" })
    expect(await launch("ses_next")).toEqual({ kind: "waiting", running: 1 })
    lifecycle.answered("ses_before", { state: "answered" }, "Done.")
    await vi.waitFor(() => expect(prompted).toEqual(["ses_next"]))
  })

  it("drops the waiting sessions when the person interrupts the caller: they never start, and the person hears which", async () => {
    const { launcher, launch, prompted, toasts, first, end } = setup(1)
    await launch("ses_a")
    expect(await launch("ses_b")).toEqual({ kind: "waiting", running: 1 })
    expect(launcher.cancelWaiting(CALLER)).toEqual(["ses_b"])
    expect(first("ses_b")).toEqual({ state: "never-started" })
    expect(toasts.filter((toast) => toast.variant === "warning").map((toast) => toast.message)).toEqual([
      expect.stringContaining("1 waiting session will not start (ses_b)"),
    ])
    end("ses_a").answer(assistant("a9", "done"))
    await vi.waitFor(() => expect(first("ses_a")).toEqual({ state: "answered" }))
    await tick()
    expect(prompted).toEqual(["ses_a"])
    expect(launcher.cancelWaiting(CALLER)).toEqual([])
  })
})
