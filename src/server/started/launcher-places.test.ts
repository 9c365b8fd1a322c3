/** The launcher's places: isolated starts held for the caller's step, sessions dropped, forgotten or left to the next copy, and a start that fails in the background. */
import { describe, expect, it, vi } from "vitest"
import { assistant, stored, type RawMessage } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { MARKER } from "../../core/protocol.js"
import type { Call } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { PromptInput, ToastVariant } from "../host/opencode.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"
import type { Worktrees } from "../isolation/worktrees.js"
import { LifeChanged } from "../lifecycle/signals.js"
import { FirstTurns } from "./first-turn.js"
import { Launcher } from "./launcher.js"

const CALLER = "ses_parent"
const planned = (id: string): PlannedIsolation => ({
  kind: "worktree",
  root: "/repo",
  prefix: "sub/",
  directory: `/wt/${id}`,
  branch: `b/${id}`,
  base: Promise.resolve("abc"),
})

/** A fake server whose prompts the test ends (`end(id)`), a placement and worktrees that succeed; `prompted` lists the sessions asked, in order. */
function setup(maxRunning = 1) {
  const prompted: string[] = []
  const inputs = new Map<string, PromptInput>()
  const ends = new Map<string, { answer(raw: RawMessage): void; fail(error: unknown): void }>()
  const toasts: { message: string; variant: ToastVariant }[] = []
  const titled: string[] = []
  const opencode = fakeOpencode({
    prompt: (sessionID, input) =>
      new Promise((resolve, reject) => {
        prompted.push(sessionID)
        inputs.set(sessionID, input)
        ends.set(sessionID, { answer: (raw) => resolve(stored(raw)[0]!), fail: reject })
      }),
    deleteSession: async () => undefined,
    setTitle: async (sessionID, title) => void titled.push(`${sessionID}: ${title}`),
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  })
  const { bus, lifecycle, heard } = lifecycleOver(opencode)
  const notifier = new Notifier(opencode, true)
  const placement = { create: vi.fn(async () => undefined) }
  const worktrees = { removeIfUnchanged: vi.fn(async () => true) }
  const turns = new FirstTurns({ opencode, lifecycle, placement: placement as unknown as Placement, notifier })
  const launcher = new Launcher({ turns, lifecycle, notifier, worktrees: worktrees as unknown as Worktrees, maxRunning, quiet: () => true })
  bus.on(LifeChanged, ({ sessionID, keys }) => launcher.changed(lifecycle.life(sessionID), keys))
  const call = (callerID = CALLER): Call => ({ sessionID: callerID, messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Go.", report: "each" })
  /** Launches `id` for `callerID`; if its first turn begins now (not isolated), OpenCode accepts it. */
  const launch = async (id: string, { callerID = CALLER, isolated = false, retitle = false } = {}) => {
    const launched = launcher.launch(call(callerID), "fork", { id, title: `Fork (plan): ${id}` }, isolated ? planned(id) : undefined, { retitle })
    await tick()
    if (prompted.includes(id)) underway(id)
    return launched
  }
  const underway = (id: string) => {
    turns.accepted(id)
    turns.requested(id)
  }
  /** Ends `id`'s first turn with an answer, and lets the place it frees be taken: the next one waiting, if any, is accepted. */
  const finish = async (id: string) => {
    const before = prompted.length
    ends.get(id)!.answer(assistant("a9", "done"))
    await vi.waitFor(() => expect(lifecycle.life(id)?.turns[0]?.state).toEqual({ state: "answered" }))
    await tick()
    for (const next of prompted.slice(before)) underway(next)
  }
  const first = (id: string) => lifecycle.life(id)?.turns[0]?.state
  return { launcher, lifecycle, heard, placement, worktrees, prompted, inputs, ends, toasts, titled, launch, finish, first }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("Launcher: isolated starts", () => {
  it("holds an isolated start until the caller's step is over, then makes its worktree, starts it there, and tidies it once it changed nothing", async () => {
    const { launcher, lifecycle, heard, placement, worktrees, prompted, inputs, ends, toasts, launch, first } = setup(2)
    expect(await launch("ses_iso", { isolated: true })).toEqual({ kind: "isolated", directory: "/wt/ses_iso/sub/", branch: "b/ses_iso" })
    expect(first("ses_iso")).toEqual({ state: "waiting", for: "step" })
    launcher.stepOver("ses_someone_else")
    await tick()
    expect(placement.create).not.toHaveBeenCalled()
    expect(prompted).toEqual([])

    launcher.stepOver(CALLER)
    // Its hooks run in the worktree's own OpenCode: nothing here waits for them.
    await vi.waitFor(() => expect(toasts).toContainEqual({ variant: "info", message: "build forked plan: Fork (plan): ses_iso (in its own worktree)" }))
    const isolation = { kind: "worktree", root: "/repo", prefix: "sub/", directory: "/wt/ses_iso", branch: "b/ses_iso", base: "abc" }
    expect(placement.create).toHaveBeenCalledWith("ses_iso", isolation)
    expect(prompted).toEqual(["ses_iso"])
    expect(inputs.get("ses_iso")?.metadata[MARKER]).toMatchObject({ kind: "start", isolation })
    expect(lifecycle.life("ses_iso")?.marker.isolation).toEqual(isolation)
    expect(first("ses_iso")).toEqual({ state: "running" })

    ends.get("ses_iso")!.answer(assistant("a9", "Nothing to change."))
    // Its answer is all that says its turn ended there.
    await vi.waitFor(() => expect(heard).toContainEqual({ signal: "turn.ended", payload: { sessionID: "ses_iso" } }))
    expect(lifecycle.isRunning("ses_iso")).toBe(false)
    expect(worktrees.removeIfUnchanged).toHaveBeenCalledWith("ses_iso", isolation)
    await vi.waitFor(() =>
      expect(toasts.map((toast) => toast.message)).toContain(
        "Fork (plan): ses_iso changed nothing: its worktree is removed, and it continues in your folder if resumed.",
      ),
    )
  })

  it("counts a held start against the caller's limit, and a dropped one no longer (its life says stopped, as the stopper makes it)", async () => {
    const { launcher, lifecycle, placement, prompted, launch, first } = setup(1)
    await launch("ses_held", { isolated: true })
    expect(await launch("ses_wait")).toEqual({ kind: "waiting", running: 1 })
    expect(launcher.dropOne(CALLER, "ses_held")).toBe(true)
    lifecycle.change("ses_held", { type: "stopped", how: { state: "stopped", by: "caller" } })
    await vi.waitFor(() => expect(prompted).toEqual(["ses_wait"]))
    launcher.stepOver(CALLER)
    await tick()
    expect(placement.create).not.toHaveBeenCalled()
    expect(first("ses_held")).toEqual({ state: "stopped", by: "caller" })
  })
})

describe("Launcher: waiting sessions", () => {
  it("dropOne drops only that caller's session still to begin, keeping the others in order", async () => {
    const { launcher, prompted, launch, finish } = setup(1)
    await launch("ses_run")
    for (const id of ["ses_w1", "ses_w2", "ses_w3"]) expect(await launch(id)).toEqual({ kind: "waiting", running: 1 })
    expect(launcher.dropOne("ses_someone_else", "ses_w2")).toBe(false)
    expect(launcher.dropOne(CALLER, "ses_run")).toBe(false)
    expect(launcher.dropOne(CALLER, "ses_w2")).toBe(true)
    expect(launcher.dropOne(CALLER, "ses_w2")).toBe(false)
    await finish("ses_run")
    expect(prompted).toEqual(["ses_run", "ses_w1"])
    await finish("ses_w1")
    expect(prompted).toEqual(["ses_run", "ses_w1", "ses_w3"])
  })

  it("forgets a deleted session: one waiting leaves its caller's line, and a deleted caller's line goes", async () => {
    const { launcher, prompted, launch, finish } = setup(1)
    await launch("ses_run")
    await launch("ses_w1")
    await launch("ses_w2")
    launcher.forget("ses_w1")
    await finish("ses_run")
    expect(prompted).toEqual(["ses_run", "ses_w2"])
    await launch("ses_other_run", { callerID: "ses_other" })
    await launch("ses_other_wait", { callerID: "ses_other" })
    launcher.forget("ses_other")
    expect(launcher.stop()).toBe(0)
  })

  it("stop leaves what still waits to the next copy of the plugin: it counts them, and starts none of them", async () => {
    const { launcher, prompted, launch, finish } = setup(1)
    await launch("ses_run")
    await launch("ses_wait")
    await launch("ses_held", { callerID: "ses_other", isolated: true })
    expect(launcher.stop()).toBe(2)
    await finish("ses_run")
    launcher.stepOver("ses_other")
    await tick()
    expect(prompted).toEqual(["ses_run"])
  })

  it("titles a queued fork at once, while it waits", async () => {
    const { titled, launch } = setup(1)
    await launch("ses_run", { retitle: true })
    expect(await launch("ses_wait", { retitle: true })).toEqual({ kind: "waiting", running: 1 })
    await vi.waitFor(() => expect(titled).toEqual(["ses_run: Fork (plan): ses_run", "ses_wait: Fork (plan): ses_wait"]))
  })

  it("tells the person when a waiting session cannot start, and gives its place to the next one", async () => {
    const { prompted, ends, toasts, launch, first } = setup(1)
    await launch("ses_run")
    await launch("ses_bad")
    await launch("ses_next")
    ends.get("ses_run")!.answer(assistant("a9", "done"))
    await vi.waitFor(() => expect(prompted).toEqual(["ses_run", "ses_bad"]))
    ends.get("ses_bad")!.fail(new Error("agent vanished"))
    await vi.waitFor(() => expect(prompted).toEqual(["ses_run", "ses_bad", "ses_next"]))
    expect(toasts).toContainEqual({ variant: "error", message: "Fork (plan): ses_bad could not start: agent vanished" })
    expect(first("ses_bad")?.state).not.toBe("running")
  })
})
