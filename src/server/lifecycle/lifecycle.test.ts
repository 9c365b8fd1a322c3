/** The one owner of started sessions' lives: OpenCode's repeated signals become one signal per turn, and every change is told once. */
import { describe, expect, it, vi } from "vitest"
import { assistant, calls, sessionCall, startMarker, startedRecord, stored, user } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import type { Stored } from "../../core/stored.js"
import { OpencodeCallError } from "../host/errors.js"

const CALLER = "ses_caller"
const marker = (overrides = {}) => startMarker(CALLER, { report: "each", ...overrides })

function setup(sessions: Record<string, Stored[]> = {}, statuses: Record<string, { type: string }> = {}) {
  const reads: string[] = []
  const opencode = fakeOpencode({
    messages: async (sessionID: string, limit?: number) => {
      reads.push(limit ? `${sessionID}:${limit}` : sessionID)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return limit ? messages.slice(-limit) : messages
    },
    statuses: async () => statuses,
  })
  return { ...lifecycleOver(opencode), reads }
}

describe("turns: one TurnBegan and one TurnEnded per turn, whichever signal comes first", () => {
  it("tells a session's turn once however often OpenCode says busy and idle, for any session", () => {
    const { lifecycle, names } = setup()
    lifecycle.began("ses_x")
    lifecycle.began("ses_x") // status busy, then a step's request
    expect(lifecycle.isRunning("ses_x")).toBe(true)
    lifecycle.ended("ses_x")
    lifecycle.ended("ses_x") // session.idle repeats session.status idle
    expect(lifecycle.isRunning("ses_x")).toBe(false)
    expect(names()).toEqual(["turn.began", "turn.ended"])
  })

  it("a started session's life follows its turn: waiting, running, then how it ended", () => {
    const { lifecycle, heard } = setup()
    lifecycle.started("ses_c", marker())
    expect(lifecycle.life("ses_c")?.state).toEqual({ state: "waiting", for: "place" })
    lifecycle.change("ses_c", { type: "began" })
    lifecycle.failed("ses_c", "APIError: overloaded")
    lifecycle.ended("ses_c")
    expect(lifecycle.life("ses_c")?.turns[0]?.state).toEqual({ state: "failed", error: "APIError: overloaded" })
    const changes = heard.filter((one) => one.signal === "life.changed").map((one) => one.payload)
    expect(changes).toEqual([
      { sessionID: "ses_c", callerID: CALLER, keys: ["ses_c"], state: { state: "running" } },
      { sessionID: "ses_c", callerID: CALLER, keys: ["ses_c"], state: { state: "failed", error: "APIError: overloaded" } },
    ])
  })

  it("where OpenCode said a turn runs, its idle ends it, not the answer to the plugin's prompt (a turn begun meanwhile is not taken for ended)", () => {
    const { lifecycle, names } = setup()
    lifecycle.started("ses_c", marker())
    lifecycle.change("ses_c", { type: "began" })
    lifecycle.began("ses_c") // status busy
    lifecycle.answered("ses_c", { state: "answered" }, "Done.")
    expect(lifecycle.life("ses_c")?.state).toEqual({ state: "answered" })
    expect(lifecycle.isRunning("ses_c")).toBe(true)
    expect(names()).not.toContain("turn.ended")
    lifecycle.ended("ses_c")
    lifecycle.ended("ses_c")
    expect(lifecycle.isRunning("ses_c")).toBe(false)
    expect(names().filter((name) => name === "turn.ended")).toHaveLength(1)
  })

  it("where OpenCode never said so (1.0 publishes no busy; a worktree's session is heard elsewhere), the answer ends the turn, once", () => {
    const { lifecycle, names } = setup()
    lifecycle.started("ses_c", marker())
    lifecycle.placed("ses_c", marker({ isolation: { kind: "worktree", root: "/r", prefix: "", directory: "/w", branch: "b", base: "c" } }))
    lifecycle.change("ses_c", { type: "began" })
    lifecycle.answered("ses_c", { state: "answered" })
    expect(lifecycle.isRunning("ses_c")).toBe(false)
    lifecycle.ended("ses_c") // an idle that does reach this copy after all
    expect(names().filter((name) => name.startsWith("turn."))).toEqual(["turn.began", "turn.ended"])
  })

  it("tells an interruption once per turn, with the turn when a signal says it", () => {
    const { lifecycle, heard } = setup()
    lifecycle.began("ses_x")
    lifecycle.interrupted("ses_x", "msg_turn")
    lifecycle.interrupted("ses_x") // session.error after message.updated
    lifecycle.ended("ses_x")
    lifecycle.began("ses_x")
    lifecycle.interrupted("ses_x")
    expect(heard.filter((one) => one.signal === "turn.interrupted").map((one) => one.payload)).toEqual([
      { sessionID: "ses_x", turn: "msg_turn" },
      { sessionID: "ses_x" },
    ])
  })
})

describe("answers and the caller's turns, known without a read", () => {
  it("keeps the text a turn streamed as its answer when its idle ends it; a newer answer replaces an older one", async () => {
    const { lifecycle, reads } = setup()
    lifecycle.started("ses_c", marker())
    lifecycle.change("ses_c", { type: "began" })
    lifecycle.began("ses_c")
    lifecycle.texted("ses_c", "a1", "p1", "Thinking")
    lifecycle.texted("ses_c", "a2", "p1", "Found it")
    lifecycle.texted("ses_c", "a2", "p2", "in the cache.")
    lifecycle.texted("ses_other", "a3", "p1", "Not held: not kept.")
    lifecycle.ended("ses_c")
    expect(await lifecycle.answers(lifecycle.life("ses_c")!, ["ses_c"])).toEqual(new Map([["ses_c", "Found it\nin the cache."]]))
    expect(reads).toEqual([])
  })

  it("knows the caller's turn each owed turn was asked in, and when that turn is over", () => {
    const { lifecycle } = setup()
    lifecycle.began(CALLER)
    lifecycle.started("ses_c", marker())
    expect(lifecycle.askedIn("ses_c", "ses_c")).toEqual({ turn: 1, over: false })
    lifecycle.ended(CALLER)
    expect(lifecycle.askedIn("ses_c", "ses_c")).toEqual({ turn: 1, over: true })
    lifecycle.began(CALLER)
    lifecycle.change("ses_c", { type: "followed-up", key: "ses_c/fu1", followUp: { id: "fu1", agent: "plan", report: "each", call: "a5" } })
    expect(lifecycle.askedIn("ses_c", "ses_c")).toEqual({ turn: 1, over: true })
    expect(lifecycle.askedIn("ses_c", "ses_c/fu1")).toEqual({ turn: 2, over: false })
  })
})

describe("what started sessions spent", () => {
  it("counts each answer once, as OpenCode updates it, and not the answers a fork copied from before it started", () => {
    const { lifecycle } = setup()
    const before = Date.now() - 60_000
    lifecycle.started("ses_c", marker())
    lifecycle.used("ses_c", "copied", before, { input: 900, output: 900, cost: 1 })
    lifecycle.used("ses_c", "a1", Date.now(), { input: 10, output: 0, cost: 0 })
    lifecycle.used("ses_c", "a1", Date.now(), { input: 100, output: 20, cost: 0.01 })
    lifecycle.used("ses_c", "a2", Date.now(), { input: 50, output: 5, cost: 0 })
    lifecycle.used("ses_other", "a3", Date.now(), { input: 7, output: 7, cost: 0 })
    expect(lifecycle.spent("ses_c")).toEqual({ input: 150, output: 25, cost: 0.01 })
    expect(lifecycle.spent("ses_other")).toEqual({ input: 0, output: 0, cost: 0 })
  })
})

describe("lives read back from the store", () => {
  const caller = stored(
    user("u1", "go"),
    calls("a1", [sessionCall("c1", { mode: "fork" }, startedRecord("ses_c")), sessionCall("c2", { mode: "new" }, startedRecord("ses_gone"))]),
  )
  const child = stored(user("cu1", "go", marker()), assistant("ca1", "Done.", { tokens: { input: 30, output: 3, reasoning: 0 } }))

  it("reads each session a caller started once, leaves out one that is gone, and serves the rest from memory", async () => {
    const { lifecycle, reads } = setup({ ses_c: child })
    const lives = await lifecycle.livesOf(CALLER, caller)
    expect(lives.map((life) => [life.sessionID, life.state.state])).toEqual([["ses_c", "answered"]])
    expect(lifecycle.spent("ses_c").input).toBe(30)
    expect(await lifecycle.answers(lives[0]!, ["ses_c"])).toEqual(new Map([["ses_c", "Done."]]))
    await lifecycle.livesOf(CALLER, caller)
    expect(reads).toEqual(["ses_c", "ses_gone"])
  })

  it("brings back a started session whose turn ends after a restart, and tells its caller's parts", async () => {
    const { lifecycle, heard } = setup({ ses_c: child, [CALLER]: caller })
    lifecycle.began("ses_c")
    lifecycle.ended("ses_c")
    await vi.waitFor(() => expect(heard.map((one) => one.signal)).toContain("life.changed"))
    expect(heard.find((one) => one.signal === "life.changed")?.payload).toEqual({
      sessionID: "ses_c",
      callerID: CALLER,
      keys: ["ses_c"],
      state: { state: "answered" },
    })
  })

  it("reads a session the tool did not start once, and never again", async () => {
    const { lifecycle, reads, heard } = setup({ ses_person: stored(user("u1", "typed by a person"), assistant("a1", "Hi.")) })
    for (let turn = 0; turn < 3; turn++) {
      lifecycle.began("ses_person")
      lifecycle.ended("ses_person")
      await vi.waitFor(() => expect(reads).toContain("ses_person"))
    }
    expect(reads).toEqual(["ses_person"])
    expect(heard.map((one) => one.signal)).not.toContain("life.changed")
  })
})

describe("deleted sessions and what runs elsewhere", () => {
  it("a deleted session's life ends as deleted, its caller hears it, and nothing of it is held or read again", async () => {
    const { lifecycle, heard, reads } = setup()
    lifecycle.started("ses_c", marker())
    lifecycle.change("ses_c", { type: "began" })
    lifecycle.deleted("ses_c")
    expect(heard.slice(-2).map((one) => one.payload)).toEqual([
      { sessionID: "ses_c", callerID: CALLER, keys: ["ses_c"], state: { state: "deleted" } },
      { sessionID: "ses_c", callerID: CALLER },
    ])
    expect(lifecycle.size()).toBe(0)
    expect(await lifecycle.find("ses_c")).toBeUndefined()
    expect(reads).toEqual([])
  })

  it("asks OpenCode what runs only for sessions whose events do not reach this copy", async () => {
    const { lifecycle } = setup({}, { ses_iso: { type: "busy" }, ses_idle: { type: "busy" } })
    const isolation = { kind: "worktree" as const, root: "/r", prefix: "", directory: "/w", branch: "b", base: "c" }
    lifecycle.started("ses_iso", marker())
    lifecycle.placed("ses_iso", marker({ isolation }))
    lifecycle.started("ses_idle", marker())
    lifecycle.began("ses_here")
    expect([...(await lifecycle.runningNow(["ses_iso", "ses_idle", "ses_here"]))]).toEqual(["ses_here", "ses_iso"])
  })
})
