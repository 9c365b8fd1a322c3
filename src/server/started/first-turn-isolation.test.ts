/** A first turn's title, and an isolated one's worktree: made before its first message, where no hook of this copy hears it. */
import { describe, expect, it, vi } from "vitest"
import { assistant, stored, type RawMessage } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { MARKER, type StartMarker } from "../../core/protocol.js"
import type { Call } from "../../core/types.js"
import { Notifier } from "../host/notify.js"
import type { PromptInput, ToastVariant } from "../host/opencode.js"
import type { Placement, PlannedIsolation } from "../isolation/placement.js"
import { FirstTurns } from "./first-turn.js"

const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Look into it.", report: "each" }
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
const planned = (base: Promise<string>): PlannedIsolation => ({ kind: "worktree", root: "/repo", prefix: "", directory: "/wt", branch: "b", base })
const isolation = { kind: "worktree", root: "/repo", prefix: "", directory: "/wt", branch: "b", base: "abc123" }

/** A fake server whose prompt stays pending until the test answers it; `titleFails` makes setTitle refuse. */
function setup({
  create = async () => undefined,
  titleFails = false,
}: { create?: (sessionID: string, isolation: unknown) => Promise<void>; titleFails?: boolean } = {}) {
  const prompted: { sessionID: string; input: PromptInput }[] = []
  const toasts: { message: string; variant: ToastVariant }[] = []
  const deleted: string[] = []
  const titled: string[] = []
  let answer: ((raw: RawMessage) => void) | undefined
  const opencode = fakeOpencode({
    prompt: (sessionID, input) =>
      new Promise((resolve) => {
        prompted.push({ sessionID, input })
        answer = (raw) => resolve(stored(raw)[0]!)
      }),
    deleteSession: async (sessionID) => void deleted.push(sessionID),
    setTitle: async (sessionID, title) => {
      if (titleFails) throw new Error("title refused")
      titled.push(`${sessionID}: ${title}`)
    },
    toast: async (message, variant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  })
  const { lifecycle } = lifecycleOver(opencode)
  const placement = { create: vi.fn(create) }
  const turns = new FirstTurns({ opencode, lifecycle, placement: placement as unknown as Placement, notifier: new Notifier(opencode, true) })
  lifecycle.started(session.id, marker)
  const begin = (extra: { planned?: PlannedIsolation; retitle?: boolean } = {}) => turns.begin({ call, session, marker, ...extra })
  return { turns, lifecycle, placement, begin, prompted, toasts, deleted, titled, answer: (raw: RawMessage) => answer!(raw) }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("FirstTurns titles", () => {
  it("retitles the session once begun, and only warns when OpenCode refuses", async () => {
    for (const titleFails of [false, true]) {
      const { turns, begin, titled, toasts } = setup({ titleFails })
      const begun = begin({ retitle: true })
      await tick()
      expect(titled).toEqual([])
      turns.accepted("ses_child")
      turns.requested("ses_child")
      await begun
      await tick()
      expect(titled).toEqual(titleFails ? [] : ["ses_child: New (plan): Look into it."])
      expect(toasts).toEqual(titleFails ? [{ variant: "warning", message: "Could not title the session ses_child: title refused" }] : [])
    }
  })
})

describe("FirstTurns isolation", () => {
  it("makes the worktree from the call's snapshot, names it in the marker and the life, and returns without waiting for hooks it cannot hear", async () => {
    const { lifecycle, placement, begin, prompted, deleted, answer } = setup()
    const { outcome } = await begin({ planned: planned(Promise.resolve("abc123")) })
    expect(placement.create).toHaveBeenCalledWith("ses_child", isolation)
    expect(prompted.map((one) => one.sessionID)).toEqual(["ses_child"])
    expect(prompted[0]?.input.metadata[MARKER]).toMatchObject({ ...marker, isolation })
    expect(lifecycle.life("ses_child")?.marker).toEqual({ ...marker, isolation })
    answer(assistant("a9", "Done there."))
    expect(await outcome).toEqual({ how: { state: "answered" }, answer: "Done there." })
    expect(deleted).toEqual([])
  })

  it("removes an isolated session whose worktree cannot be made (or whose snapshot failed), and never prompts it", async () => {
    const cases = [
      { create: async () => Promise.reject(new Error("git worktree add failed")), base: Promise.resolve("abc123"), error: "git worktree add failed" },
      { create: async () => undefined, base: Promise.reject(new Error("snapshot failed")), error: "snapshot failed" },
    ]
    for (const { create, base, error } of cases) {
      base.catch(() => undefined)
      const { placement, begin, prompted, deleted } = setup({ create })
      await expect(begin({ planned: planned(base) })).rejects.toThrow(error)
      expect(placement.create.mock.calls).toEqual(error === "snapshot failed" ? [] : [["ses_child", isolation]])
      expect(deleted).toEqual(["ses_child"])
      expect(prompted).toEqual([])
    }
  })
})
