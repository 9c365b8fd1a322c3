import type { Session } from "@opencode-ai/sdk"
import { describe, expect, it, vi } from "vitest"
import { Delivery } from "../handoff/delivery.js"
import { HandoffBook } from "../../core/book.js"
import { Launcher } from "./launcher.js"
import { LineageStore } from "./lineage-store.js"
import { ReportClaims } from "./report-claims.js"
import { Waits } from "./waits.js"
import type { Worktrees } from "../isolation/worktrees.js"
import type { Placement } from "../isolation/placement.js"
import { FirstTurns } from "./first-turn.js"
import { Places } from "./places.js"
import { FollowUps } from "./follow-ups.js"
import { Reporter } from "./reporter.js"
import { Notifier } from "../host/notify.js"
import type { Opencode, PromptInput, ToastVariant } from "../host/opencode.js"
import type { Call } from "../../core/types.js"

type Answer = Awaited<ReturnType<Opencode["prompt"]>>

/** A fake server whose first prompt to the started session is settled by the test. */
function setup() {
  const toasts: { message: string; variant: ToastVariant }[] = []
  const deleted: string[] = []
  const delivered: string[] = []
  let settle: { answer(answer: Partial<Answer["info"]>, text?: string): void; fail(error: unknown): void } | undefined
  const opencode = {
    prompt: (sessionID: string, input: PromptInput) => {
      if (sessionID !== "ses_child") {
        delivered.push(`${sessionID} ${input.agent}: ${input.text.replace("\n\n", " | ")}`)
        return Promise.resolve({ info: {}, parts: [] })
      }
      return new Promise<Answer>((resolve, reject) => {
        settle = {
          // A finished turn's last message, as OpenCode answers a prompt with it.
          answer: (info, text = "") =>
            resolve({ info: { time: { created: 1, completed: 2 }, finish: "stop", ...info }, parts: [{ type: "text", text }] } as unknown as Answer),
          fail: reject,
        }
      })
    },
    deleteSession: async (sessionID: string) => void deleted.push(sessionID),
    // The caller's stored messages: none yet (its tool call is still running).
    messages: async () => [],
    isBusy: async () => false,
    toast: async (message: string, variant: ToastVariant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  } as unknown as Opencode
  const book = new HandoffBook(8)
  const notifier = new Notifier(opencode, true)
  const lineage = new LineageStore(opencode)
  const { launcher, turns } = wire(opencode, book, notifier, lineage, 8)
  const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Look into it.", report: "each" }
  const session = { id: "ses_child", title: "New (plan): Look into it." } as Session
  return { launcher, turns, lineage, call, session, toasts, deleted, delivered, settle: () => settle! }
}

/** The launcher and what it works with, as the plugin wires them (services.ts). */
function wire(opencode: Opencode, book: HandoffBook, notifier: Notifier, lineage: LineageStore, maxRunning: number) {
  const places = new Places()
  const followUps = new FollowUps(book)
  const delivery = new Delivery({ opencode, book, notifier, followUps })
  const reporter = new Reporter({ opencode, book, lineage, delivery, notifier, places, followUps, claims: new ReportClaims() })
  const turns = new FirstTurns({ opencode, lineage, placement: {} as Placement, notifier })
  const turnEnded = (sessionID: string) => delivery.kick(sessionID)
  const launcher = new Launcher({ turns, places, book, lineage, reporter, notifier, waits: new Waits(), worktrees: {} as Worktrees, maxRunning, turnEnded })
  return { launcher, turns, places }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("Launcher", () => {
  it("returns once the session accepted its first message, then reports its answer back to the caller", async () => {
    const { launcher, turns, lineage, call, session, delivered, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    expect(await launching).toEqual({ kind: "started" })
    expect(lineage.knownChildren("ses_parent")).toEqual(["ses_child"])

    settle().answer({}, "Found it.")
    // To the caller, for the caller's agent: a report headed by the session it comes from, then its answer.
    await vi.waitFor(() =>
      expect(delivered).toEqual([
        expect.stringMatching(/^ses_parent build: \[Report from session ses_child "New \(plan\): Look into it\."[^\]]*\] \| Found it\.$/),
      ]),
    )
  })

  it("waits, once accepted, for the started turn's first model request before returning", async () => {
    const { launcher, turns, call, session } = setup()
    let returned = false
    const launching = launcher.launch(call, "new", session).then((result) => ((returned = true), result))
    await tick()
    turns.accepted("ses_child")
    await tick()
    expect(returned).toBe(false)
    turns.requested("ses_child")
    expect(await launching).toEqual({ kind: "started" })
  })

  it("removes the session and records nothing when the first message fails before it is accepted", async () => {
    const { launcher, lineage, call, session, toasts, deleted, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    settle().fail(new Error("agent vanished"))
    await expect(launching).rejects.toThrow("agent vanished")
    expect(deleted).toEqual(["ses_child"])
    expect(lineage.knownChildren("ses_parent")).toEqual([])
    await tick()
    // The tool's own refusal reaches the person; the launcher adds no second report.
    expect(toasts).toEqual([])
  })

  it("reports an interruption by the person without an error toast", async () => {
    const { launcher, turns, call, session, toasts, delivered, settle } = setup()
    const launching = launcher.launch(call, "fork", session)
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    await launching
    settle().answer({ error: { name: "MessageAbortedError", data: { message: "aborted" } } } as never)
    await vi.waitFor(() => expect(delivered).toHaveLength(1))
    expect(toasts.filter((toast) => toast.variant === "error")).toEqual([])
    expect(delivered[0]).toContain("(The person interrupted it before it answered.)")
  })

  it("reports a failed turn with an error toast, and tells the caller", async () => {
    const { launcher, turns, call, session, toasts, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    turns.accepted("ses_child")
    turns.requested("ses_child")
    await launching
    settle().answer({ error: { name: "APIError", data: { message: "model overloaded" } } } as never)
    await vi.waitFor(() => expect(toasts.find((toast) => toast.variant === "error")?.message).toContain("turn failed (APIError: model overloaded)"))
  })
})

describe("Launcher with maxRunning", () => {
  /** A fake server whose prompts the test ends one by one; `prompted` lists the sessions asked. */
  function limited(maxRunning: number) {
    const prompted: string[] = []
    const ends = new Map<string, () => void>()
    const opencode = {
      prompt: (sessionID: string) => {
        prompted.push(sessionID)
        return new Promise((resolve) =>
          ends.set(sessionID, () =>
            resolve({ info: { role: "assistant", time: { created: 1, completed: 2 }, finish: "stop" }, parts: [{ type: "text", text: `${sessionID} done` }] }),
          ),
        )
      },
      messages: async () => [],
      toast: async () => undefined,
      log: async () => undefined,
    } as unknown as Opencode
    const book = new HandoffBook(8)
    const notifier = new Notifier(opencode, false)
    const lineage = new LineageStore(opencode)
    const { launcher, turns, places } = wire(opencode, book, notifier, lineage, maxRunning)
    const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Go.", report: "none" }
    const launch = async (id: string) => {
      const launching = launcher.launch(call, "fork", { id, title: `Fork (plan): ${id}` } as Session)
      await tick()
      turns.accepted(id)
      turns.requested(id)
      return launching
    }
    return { launcher, places, turns, launch, prompted, end: (id: string) => ends.get(id)!() }
  }

  it("makes every session at once, runs at most maxRunning, and starts the waiting ones in call order as others end", async () => {
    const { places, turns, launch, prompted, end } = limited(2)
    expect(await launch("ses_a")).toEqual({ kind: "started" })
    expect(await launch("ses_b")).toEqual({ kind: "started" })
    expect(await launch("ses_c")).toEqual({ kind: "waiting", running: 2 })
    expect(await launch("ses_d")).toEqual({ kind: "waiting", running: 2 })
    expect(prompted).toEqual(["ses_a", "ses_b"])
    expect(places.waitingFor("ses_parent")).toEqual(["ses_c", "ses_d"])

    end("ses_b")
    await vi.waitFor(() => expect(prompted).toEqual(["ses_a", "ses_b", "ses_c"]))
    turns.accepted("ses_c")
    turns.requested("ses_c")
    expect(places.waitingFor("ses_parent")).toEqual(["ses_d"])

    end("ses_a")
    await vi.waitFor(() => expect(prompted).toEqual(["ses_a", "ses_b", "ses_c", "ses_d"]))
    turns.accepted("ses_d")
    turns.requested("ses_d")
    expect(places.waitingFor("ses_parent")).toEqual([])
  })

  it("drops the waiting sessions when the person interrupts the caller: they never start", async () => {
    const { launcher, places, launch, prompted, end } = limited(1)
    await launch("ses_a")
    expect(await launch("ses_b")).toEqual({ kind: "waiting", running: 1 })
    expect(launcher.cancelWaiting("ses_parent")).toEqual(["ses_b"])
    expect(places.waitingFor("ses_parent")).toEqual([])
    end("ses_a")
    await tick()
    await tick()
    expect(prompted).toEqual(["ses_a"])
  })
})
