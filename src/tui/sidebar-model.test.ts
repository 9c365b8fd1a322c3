import { describe, expect, it } from "vitest"
import { began, child, start, user } from "../../test/fixtures/sidebar.js"
import { assistant, calls, sessionCall, startMarker, startedRecord, stored, type RawMessage } from "../../test/fixtures/stored.js"
import type { State } from "../core/life.js"
import type { CallRecord, MessageMarker } from "../core/protocol.js"
import { handoffHint, sidebarLines, sidebarModel, stateLabel, type ChildFacts } from "./sidebar-model.js"

const spent = (id: string, input: number, output: number) => assistant(id, "x", { tokens: { input, output } })
const aborted = { error: { name: "MessageAbortedError" } }
const nothing = { input: 0, output: 0, cost: 0 }

describe("sidebarModel", () => {
  const callerRaw = [
    user("u1", "build"),
    began("a1", startedRecord("ses_A")),
    began("a2", startedRecord("ses_B", { mode: "new", report: "none", waiting: true })),
    assistant("a3", "ok"),
  ]
  const caller = stored(...callerRaw)
  const children = new Map<string, ChildFacts | undefined>([
    ["ses_A", child(false, user("c1", "plan", start("together")), assistant("c2", "done"))],
    ["ses_B", child(true, user("d1", "plan", start("none", { mode: "new", title: "New · plan: b" })))],
  ])

  it("lists the started sessions with agent, state and whether their report is due, from the same facts status reads", () => {
    const model = sidebarModel("ses_caller", caller, children)
    expect(model.started).toEqual([
      { sessionID: "ses_A", title: "Fork · plan: ses_caller", agent: "plan", mode: "fork", state: "idle", report: "due", spent: nothing },
      { sessionID: "ses_B", title: "New · plan: b", agent: "plan", mode: "new", state: "working", report: "none", spent: nothing },
    ])
    const report: MessageMarker = { kind: "report", fromAgent: "plan", fromSession: "ses_A", sessions: ["ses_A"] }
    expect(sidebarModel("ses_caller", stored(...callerRaw, user("u2", "build", report)), children).started[0]?.report).toBe("sent")
    const waited = stored(...callerRaw, began("a4", { kind: "collected", v: 1, sessions: ["ses_A"] }))
    expect(sidebarModel("ses_caller", waited, children).started.map((row) => row.report)).toEqual(["sent", "none"])
  })

  // The row's report weighs every answer the session owes, follow-ups' included, as status (server/tool/modes/status.ts) does.
  it("says a report is due while a follow-up's answer has not reached the caller, as status does", () => {
    const followUp: CallRecord = { kind: "follow-up", v: 1, fromAgent: "build", session: "ses_A", agent: "plan", report: "each", id: "fu1" }
    const report: MessageMarker = { kind: "report", fromAgent: "plan", fromSession: "ses_A", sessions: ["ses_A"] }
    const more: MessageMarker = { kind: "follow-up", fromAgent: "build", fromSession: "ses_caller", id: "fu1" }
    const answeredTwice = child(false, user("c1", "plan", start("together")), assistant("c2", "done"), user("c3", "plan", more), assistant("c4", "again"))
    const followed = stored(user("u1", "build"), began("a1", startedRecord("ses_A")), assistant("a2", "ok"), user("u2", "build", report), began("a3", followUp))
    expect(sidebarModel("ses_caller", followed, new Map([["ses_A", answeredTwice]])).started[0]?.report).toBe("due")
  })

  // A session's start marker is stored with its first message, when its turn begins (server/started/first-turn.ts), so one still
  // waiting for a place has none of its own: a `new` one has no messages at all, and a fork holds copies of its caller's history,
  // whose start marker (when its caller was itself started) is not its own. Its row comes from the caller's record.
  const waitingCaller = (parent: RawMessage[], record: CallRecord) => [...parent, user("u9", "plan"), began("a9", record)]
  it("shows a new session that waits for a place as waiting", () => {
    const caller = stored(...waitingCaller([], startedRecord("ses_N", { mode: "new", agent: "docs", waiting: true })))
    expect(sidebarModel("ses_caller", caller, new Map([["ses_N", child(false)]])).started.map((row) => [row.sessionID, row.agent, row.state])).toEqual([
      ["ses_N", "docs", "waiting"],
    ])
  })
  it("shows a fork that waits for a place as waiting, with its own agent, when its caller was itself started", () => {
    const parent = [user("p1", "plan", startMarker("ses_G", { title: "The caller's own start" })), assistant("p2", "planned")]
    const caller = stored(...waitingCaller(parent, startedRecord("ses_W", { agent: "docs", waiting: true })))
    const copies = child(false, ...parent, user("u9", "plan"))
    expect(sidebarModel("ses_caller", caller, new Map([["ses_W", copies]])).started.map((row) => [row.sessionID, row.agent, row.state])).toEqual([
      ["ses_W", "docs", "waiting"],
    ])
  })

  it("knows the started sessions from the callers' records alone, never from the words of their results", () => {
    const words = { type: "tool", tool: "session", callID: "w1", state: { status: "completed", input: { mode: "fork" }, output: 'Started session ses_A "x"' } }
    expect(sidebarModel("ses_caller", stored(user("u1", "build"), calls("a1", [words])), children).started).toEqual([])
  })

  it("says how each stands in a word: waiting for a place, never started, interrupted, failed, cut off", () => {
    const records = ["ses_W", "ses_N", "ses_I", "ses_F", "ses_C"].map((id) => startedRecord(id, { waiting: id === "ses_W" }))
    const ended = (info: Record<string, unknown>) => child(false, user("c1", "plan", start()), assistant("c2", "", info))
    const states = new Map<string, ChildFacts | undefined>([
      ["ses_W", child(false, user("c1", "plan", start()))],
      ["ses_N", child(false, user("c1", "plan", start()))],
      ["ses_I", ended(aborted)],
      ["ses_F", ended({ error: { name: "APIError", data: { message: "overloaded" } } })],
      ["ses_C", ended({ finish: "tool-calls" })],
    ])
    const labels = (messages: RawMessage[]) => sidebarModel("ses_caller", stored(...messages), states).started.map((row) => [row.sessionID, row.state])
    const callerOf = [user("u1", "build"), began("a1", ...records)]
    expect(labels(callerOf)).toEqual([
      ["ses_W", "waiting"],
      ["ses_N", "never-started"],
      ["ses_I", "interrupted"],
      ["ses_F", "failed"],
      ["ses_C", "cut-off"],
    ])
    // The person's interruption of the caller's turn dropped the start that waited: it never starts.
    expect(labels([...callerOf, assistant("a2", "", aborted)])[0]).toEqual(["ses_W", "never-started"])
    const more: State[] = [{ state: "running" }, { state: "answered" }, { state: "waiting", for: "step" }, { state: "deleted" }]
    expect(more.map((state) => stateLabel(state))).toEqual(["working", "idle", "waiting", "deleted"])
  })

  it("names the worktree branch of an isolated session, as status does", () => {
    const isolation = { kind: "worktree" as const, root: "/repo", prefix: "", directory: "/data/wt/ses_C", branch: "opencode-sessions/ses_C", base: "abc" }
    const isolated = new Map<string, ChildFacts | undefined>([
      ["ses_A", child(false, user("c1", "plan", start("none", { isolation })), assistant("c2", "done"))],
    ])
    const model = sidebarModel("ses_caller", caller, isolated)
    expect(model.started[0]?.branch).toBe("opencode-sessions/ses_C")
    expect(sidebarLines(model, 40)).toContain("  worktree opencode-sessions/ses_C")
  })

  it("shows a stopped session as stopped, and each session's own tokens (not a fork's copies) with their total", () => {
    const stop: MessageMarker = { kind: "stop", fromSession: "ses_caller", by: "caller" }
    const costly = new Map<string, ChildFacts | undefined>([
      ["ses_A", child(false, user("c1", "plan", start()), spent("c2", 1200, 300), user("c3", "plan", stop))],
      ["ses_B", child(false, user("x0", "build"), spent("x1", 5000, 5000), user("d1", "plan", start()), spent("d2", 40, 10))],
    ])
    const model = sidebarModel("ses_caller", caller, costly)
    expect(model.started.map((row) => [row.state, row.spent.input, row.spent.output])).toEqual([
      ["stopped", 1200, 300],
      ["idle", 40, 10],
    ])
    const lines = sidebarLines(model, 40)
    expect(lines[0]).toBe("Started here (2) · 1.6k tok")
    expect(lines).toContain("  plan · stopped · 1.5k tok")
    expect(lines).toContain("  plan · idle · 50 tok")
  })

  it("leaves out deleted sessions and ones the tool did not start, and names who started a started session", () => {
    expect(sidebarModel("ses_caller", caller, new Map([["ses_A", undefined]])).started).toEqual([])
    // Only what the caller's records name is listed, whatever else is at hand.
    expect(sidebarModel("ses_caller", caller, new Map([["ses_Z", child(false, user("c1", "plan", start()), assistant("c2", "done"))]])).started).toEqual([])
    const own = sidebarModel("ses_caller", stored(user("c1", "plan", start())), new Map(), "Planning the cache")
    expect(own.startedBy).toEqual({ sessionID: "ses_caller", title: "Planning the cache", agent: "build", mode: "fork" })
    expect(sidebarModel("ses_caller", stored(user("c1", "plan", start())), new Map()).startedBy?.title).toBe("ses_caller")
  })

  it("shows nothing at all when there is nothing to show, and short lines otherwise", () => {
    expect(sidebarLines({ started: [], queued: [] })).toEqual([])
    const lines = sidebarLines(sidebarModel("ses_caller", caller, children), 20)
    expect(lines).toEqual(["Started here (2)", "• Fork · plan: ses_ca…", "  plan · idle · report due", "• New · plan: b", "  plan · working"])
  })
})

describe("a tree, and what asks the person", () => {
  // ses_caller started ses_A; ses_A started ses_A1, which started ses_A2 (which asks the person).
  const caller = stored(user("u1", "build"), began("a1", startedRecord("ses_A")), assistant("a2", "ok"))
  const under = (callerID: string, title: string) => startMarker(callerID, { report: "none", title })
  const tree = (asks: ChildFacts["asks"]) =>
    new Map<string, ChildFacts | undefined>([
      ["ses_A", child(true, user("c1", "plan", under("ses_caller", "A")), began("c2", startedRecord("ses_A1", { report: "none" })), spent("c3", 100, 20))],
      ["ses_A1", child(true, user("d1", "plan", under("ses_A", "A1")), began("d2", startedRecord("ses_A2", { report: "none" })), spent("d3", 300, 30))],
      ["ses_A2", { ...child(true, user("e1", "plan", under("ses_A1", "A2")), spent("e2", 1000, 50)), asks }],
    ])
  const ask = { id: "per_1", kind: "permission" as const, what: "bash: rm -rf dist" }

  it("counts what each row started at every depth, and everything under the session on screen", () => {
    const model = sidebarModel("ses_caller", caller, tree(undefined))
    expect(model.started.map((row) => [row.sessionID, row.spent.input, row.below])).toEqual([
      ["ses_A", 100, { sessions: 2, spent: { input: 1300, output: 80, cost: 0 }, asking: 0 }],
    ])
    expect(model.everything).toEqual({ sessions: 3, spent: { input: 1400, output: 100, cost: 0 }, asking: 0 })
    expect(sidebarLines(model)).toEqual([
      "Started here (1) · 120 tok",
      "  all depths: 3 · 1.5k tok",
      "• A",
      "  plan · working · 120 tok",
      "  started 2 · 1.4k tok",
    ])
  })

  it("marks a row that asks the person, or under which a session asks, and says what is asked", () => {
    const deep = sidebarModel("ses_caller", caller, tree([ask]))
    expect(deep.started[0]?.below?.asking).toBe(1)
    expect(sidebarLines(deep)).toContain("! A")
    expect(sidebarLines(deep)).toContain("  started 2 · 1.4k tok · 1 ask you")
    const own = new Map([["ses_A", { ...child(true, user("c1", "plan", under("ses_caller", "A"))), asks: [ask] }]])
    const asking = sidebarModel("ses_caller", caller, own)
    expect(asking.started[0]).toMatchObject({ state: "asks you", asks: [ask] })
    expect(sidebarLines(asking)).toEqual(["Started here (1)", "! A", "  plan · asks you", "  bash: rm -rf dist"])
  })
})

describe("queued hand-offs", () => {
  const handoffCalls = (agents: string[]): RawMessage =>
    calls(
      "calls",
      agents.map((agent) =>
        sessionCall(`call_${agent}`, { mode: "message", agent, text: `for ${agent}` }, { kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent }),
      ),
    )

  it("lists what the running turn queued, less what was delivered since, and nothing once idle", () => {
    const delivered: MessageMarker = { kind: "message", fromAgent: "build", fromSession: "ses_caller", callID: "call_plan" }
    const messages = stored(user("u1", "build"), handoffCalls(["plan", "docs"]), assistant("a1", "done"), user("h1", "plan", delivered))
    expect(sidebarModel("ses_caller", messages, new Map(), undefined, true).queued).toEqual([{ mode: "message", agent: "docs", text: "for docs" }])
    expect(sidebarModel("ses_caller", messages, new Map(), undefined, false).queued).toEqual([])
    expect(sidebarLines(sidebarModel("ses_caller", messages, new Map(), undefined, true))).toEqual(["Queued here (1)", "• message → docs: for docs"])
  })

  it("drops what an interruption dropped", () => {
    expect(
      sidebarModel("ses_caller", stored(user("u1", "build"), handoffCalls(["plan"]), assistant("a1", "", aborted)), new Map(), undefined, true).queued,
    ).toEqual([])
  })
})

describe("handoffHint", () => {
  const handedOver = (kind: "message" | "compact"): MessageMarker => ({ kind, fromAgent: "build", fromSession: "ses_caller" })

  it("says who took the hand-off and where the prompt stays when they differ", () => {
    const messages = stored(user("u1", "build"), assistant("a1", "ok"), user("h1", "plan", handedOver("message")), assistant("a2", "plan here"))
    expect(handoffHint(messages)).toBe("plan took the hand-off · the prompt stays on build: Tab to answer plan")
    expect(handoffHint(stored(user("u1", "build"), user("h1", "docs", handedOver("compact"))))).toBe(
      "docs took the hand-off · the prompt stays on build: Tab to answer docs",
    )
  })

  it("says nothing after the person's own message, a report, or a hand-off to the person's own agent", () => {
    const report: MessageMarker = { kind: "report", fromAgent: "plan", fromSession: "ses_A", sessions: [] }
    expect(handoffHint(stored(user("u1", "build"), assistant("a1", "ok")))).toBeUndefined()
    expect(handoffHint(stored(user("u1", "build"), user("r1", "plan", report)))).toBeUndefined()
    expect(handoffHint(stored(user("u1", "build"), user("h1", "build", handedOver("message"))))).toBeUndefined()
  })
})
