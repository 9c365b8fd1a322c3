/** Modes new and fork: which session is made, how its first turn is launched, what the model reads and what the call records. */
import type { Session } from "@opencode-ai/sdk"
import { describe, expect, it } from "vitest"
import { fakeOpencode } from "../../../../test/fixtures/server.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Call, Launched } from "../../../core/types.js"
import { HostCapabilities } from "../../host/capabilities.js"
import { OpencodeCallError, SessionToolError } from "../../host/errors.js"
import { Notifier } from "../../host/notify.js"
import type { Opencode } from "../../host/opencode.js"
import type { PlannedIsolation } from "../../isolation/placement.js"
import { Placement } from "../../isolation/placement.js"
import type { Launcher } from "../../started/launcher.js"
import { words } from "../../words/index.js"
import { fork, newSession } from "./start.js"

const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Try it.\nThen more.", report: "together" }
const session = (id: string, title: string) => ({ id, title, directory: "/repo" }) as Session

/** The modes' services over a fake OpenCode (`methods`), with a launcher that writes down each launch and answers `launched`. */
function setup(methods: Partial<Opencode>, launched: Launched = { kind: "started" }) {
  const toasts: string[] = []
  const opencode = fakeOpencode({ ...methods, toast: async (message) => void toasts.push(message), log: async () => undefined })
  const notifier = new Notifier(opencode, false)
  const host = new HostCapabilities(notifier)
  const launches: unknown[][] = []
  const launcher = { launch: async (...args: unknown[]) => (launches.push(args), launched) } as unknown as Launcher
  return { services: { opencode, host, launcher, placement: new Placement(opencode, host, notifier) }, toasts, launches }
}

describe("new", () => {
  it("makes a clean session titled after its agent and text, launches its first turn, and records it", async () => {
    const titles: string[] = []
    const { services, launches } = setup({ createSession: async (title) => (titles.push(title), session("ses_new", title)) })
    const done = await newSession(services, { ...call, model: { providerID: "p", modelID: "m" } })
    expect(titles).toEqual(["New (plan): Try it."])
    expect(launches).toEqual([[{ ...call, model: { providerID: "p", modelID: "m" } }, "new", session("ses_new", "New (plan): Try it."), undefined]])
    expect(done.text).toBe(words.result.started({ sessionID: "ses_new", title: "New (plan): Try it.", agent: "plan", mode: "new", report: "together" }))
    expect(done.record).toEqual({
      ...{ kind: "started", v: PROTOCOL, fromAgent: "build", session: "ses_new", mode: "new", agent: "plan", report: "together" },
      ...{ model: { providerID: "p", modelID: "m" }, waiting: false, isolated: false },
    })
  })

  it("records a start that waits for a place as waiting, and says so to the model", async () => {
    const { services } = setup({ createSession: async (title) => session("ses_new", title) }, { kind: "waiting", running: 3 })
    const done = await newSession(services, call)
    expect(done.record).toMatchObject({ kind: "started", waiting: true, isolated: false })
    expect(done.text).toBe(words.result.waiting({ sessionID: "ses_new", title: "New (plan): Try it.", agent: "plan", mode: "new", report: "together" }, 3))
  })

  it("launches an isolated start with the worktree its placement planned, and records it isolated", async () => {
    const planned = { kind: "worktree", root: "/repo", prefix: "sub/", directory: "/wt/ses_new", branch: "b", base: Promise.resolve("c0") } as PlannedIsolation
    const placed: unknown[] = []
    const { services, launches } = setup(
      { createSession: async (title) => session("ses_new", title) },
      { kind: "isolated", directory: "/wt/ses_new/sub/", branch: "b" },
    )
    const placement = {
      started: async (making: Promise<Session>, checkout: unknown, step: string) => (
        placed.push(checkout, step),
        { session: await making, isolation: planned }
      ),
    } as unknown as Placement
    const checkout = { root: "/repo", prefix: "sub/" }
    const done = await newSession({ ...services, placement }, { ...call, isolation: checkout })
    expect(placed).toEqual([checkout, "msg_1"])
    expect(launches[0]?.[3]).toBe(planned)
    expect(done.record).toMatchObject({ waiting: false, isolated: true })
    expect(done.text).toContain("/wt/ses_new/sub/")
  })
})

describe("fork", () => {
  it("forks the conversation before the caller's current message, and gives the fork its own title once its turn is under way", async () => {
    const forks: string[][] = []
    const { services, launches } = setup({ forkSession: async (id, before) => (forks.push([id, before]), session("ses_fork", "Chat (fork #1)")) })
    const done = await fork(services, call)
    expect(forks).toEqual([["ses_parent", "msg_1"]])
    expect(launches).toEqual([[call, "fork", session("ses_fork", "Fork (plan): Try it."), undefined, { retitle: true }]])
    expect(done.record).toMatchObject({ kind: "started", session: "ses_fork", mode: "fork", waiting: false, isolated: false })
    expect(done.text).toContain("Fork (plan): Try it.")
    expect(done.text).not.toContain("fork #1")
  })
})

describe("fork on a release without the fork route", () => {
  /** Fork mode on a release whose fork route answers with `status`. */
  function answering(status: number) {
    let forkCalls = 0
    const parts = setup({
      forkSession: async () => {
        forkCalls++
        throw new OpencodeCallError(`forking session ses_parent (HTTP ${status})`, "Not Found", status)
      },
    })
    return { ...parts, forkCalls: () => forkCalls }
  }

  it("refuses with the reason and the alternative, says it once, and asks the server no more", async () => {
    const { services, toasts, forkCalls, launches } = answering(404)
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = fork(services, call)
      await expect(refused).rejects.toBeInstanceOf(SessionToolError)
      await expect(refused).rejects.toThrow(/forking a session is not available on this OpenCode \(OpenCode answered 404.*Use mode new instead/)
    }
    expect(forkCalls()).toBe(1)
    expect(toasts).toHaveLength(1)
    expect(toasts[0]).toContain("mode fork is refused")
    expect(services.host.takeUnsaid()).toEqual([expect.stringContaining("mode fork is refused")])
    expect(launches).toEqual([])
  })

  it("passes any other failure on unchanged, and does not turn forks off", async () => {
    const { services, toasts, launches } = answering(500)
    await expect(fork(services, call)).rejects.toBeInstanceOf(OpencodeCallError)
    expect(services.host.has("fork")).toBe(true)
    expect(toasts).toEqual([])
    expect(launches).toEqual([])
  })
})
