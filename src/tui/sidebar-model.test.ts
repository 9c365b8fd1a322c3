import { describe, expect, it } from "vitest"
import { callMetadata, MARKER, type Stored } from "../core/protocol.js"
import { handoffHint, sidebarLines, sidebarModel, type ChildFacts } from "./sidebar-model.js"

const text = (value: string, marker?: Record<string, unknown>) => ({ type: "text", text: value, metadata: marker && { [MARKER]: marker } })
const user = (id: string, agent: string, marker?: Record<string, unknown>): Stored => ({ info: { id, role: "user", agent }, parts: [text(id, marker)] })
const answer = (id: string, words: string): Stored => ({
  info: { id, role: "assistant", time: { created: 1, completed: 2 }, finish: "stop" },
  parts: [text(words)],
})
const call = (mode: string, output: string): Stored => ({
  info: { id: `call-${output.slice(0, 12)}`, role: "assistant", time: { created: 1, completed: 2 }, finish: "tool-calls" },
  parts: [{ type: "tool", tool: "session", state: { status: "completed", input: { mode }, output } }],
})
const start = (fromSession: string, report = "none", mode = "fork") => ({
  kind: "start",
  fromAgent: "build",
  fromSession,
  mode,
  agent: "plan",
  report,
  call: "a1",
  title: `Fork · plan: ${fromSession}`,
})

const nothing = { input: 0, output: 0, cost: 0 }

describe("sidebarModel", () => {
  const caller = [user("u1", "build"), call("fork", 'Started session ses_A "…"'), call("new", "Waiting to start: session ses_B …"), answer("a2", "ok")]
  const children = new Map<string, ChildFacts | undefined>([
    ["ses_A", { messages: [user("c1", "plan", start("ses_caller", "together")), answer("c2", "done")], running: false }],
    ["ses_B", { messages: [user("d1", "plan", { ...start("ses_caller", "none", "new"), title: "New · plan: b" })], running: true }],
  ])

  it("lists the started sessions with agent, state and whether their report is due, from the same facts status reads", () => {
    const model = sidebarModel(caller, children)
    expect(model.started).toEqual([
      { sessionID: "ses_A", title: "Fork · plan: ses_caller", agent: "plan", mode: "fork", state: "idle", report: "due", spent: nothing },
      { sessionID: "ses_B", title: "New · plan: b", agent: "plan", mode: "new", state: "working", report: "none", spent: nothing },
    ])
    const reported = sidebarModel([...caller, user("u2", "build", { kind: "report", sessions: ["ses_A"] })], children)
    expect(reported.started[0]?.report).toBe("sent")
  })

  it("names the worktree branch of an isolated session, as status does", () => {
    const isolation = { kind: "worktree", root: "/repo", prefix: "", directory: "/data/wt/ses_C", branch: "opencode-sessions/ses_C", base: "abc" }
    const isolated = new Map<string, ChildFacts | undefined>([
      ["ses_A", { messages: [user("c1", "plan", { ...start("ses_caller"), isolation }), answer("c2", "done")], running: false }],
    ])
    const model = sidebarModel(caller, isolated)
    expect(model.started[0]?.branch).toBe("opencode-sessions/ses_C")
    expect(sidebarLines(model, 40)).toContain("  worktree opencode-sessions/ses_C")
  })

  it("shows a stopped session as stopped, and each session's tokens with their total", () => {
    const spent = (id: string, input: number, output: number): Stored => ({ ...answer(id, "x"), info: { ...answer(id, "x").info, tokens: { input, output } } })
    const stop = { kind: "stop", fromSession: "ses_caller", by: "caller" }
    const costly = new Map<string, ChildFacts | undefined>([
      ["ses_A", { messages: [user("c1", "plan", start("ses_caller")), spent("c2", 1200, 300), user("c3", "plan", stop)], running: false }],
      ["ses_B", { messages: [user("d1", "plan", start("ses_caller")), spent("d2", 40, 10)], running: false }],
    ])
    const model = sidebarModel(caller, costly)
    expect(model.started.map((row) => [row.state, row.spent.input, row.spent.output])).toEqual([
      ["stopped", 1200, 300],
      ["idle", 40, 10],
    ])
    const lines = sidebarLines(model, 40)
    expect(lines[0]).toBe("Started here (2) · 1.6k tok")
    expect(lines).toContain("  plan · stopped · 1.5k tok")
    expect(lines).toContain("  plan · idle · 50 tok")
  })

  it("leaves out deleted sessions, and names who started a started session", () => {
    expect(sidebarModel(caller, new Map([["ses_A", undefined]])).started).toEqual([])
    const own = sidebarModel([user("c1", "plan", start("ses_caller"))], new Map(), "Planning the cache")
    expect(own.startedBy).toEqual({ sessionID: "ses_caller", title: "Planning the cache", agent: "build", mode: "fork" })
  })

  it("shows nothing at all when there is nothing to show, and short lines otherwise", () => {
    expect(sidebarLines({ started: [], queued: [] })).toEqual([])
    const lines = sidebarLines(sidebarModel(caller, children), 20)
    expect(lines).toEqual(["Started here (2)", "• Fork · plan: ses_ca…", "  plan · idle · report due", "• New · plan: b", "  plan · working"])
  })
})

describe("queued hand-offs", () => {
  const handoff = (id: string, agent: string) => user(id, agent, { kind: "message", fromAgent: "build", fromSession: "ses_caller" })
  const handoffCalls = (agents: string[]): Stored => ({
    info: { id: "calls", role: "assistant", time: { created: 1, completed: 2 }, finish: "tool-calls" },
    parts: agents.map((agent) => ({
      type: "tool",
      tool: "session",
      callID: `call_${agent}`,
      state: {
        status: "completed",
        input: { mode: "message", agent, text: `for ${agent}` },
        metadata: callMetadata({ kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent }),
      },
    })),
  })

  it("lists what the running turn queued, less what was delivered since, and nothing once idle", () => {
    const messages = [
      user("u1", "build"),
      handoffCalls(["plan", "docs"]),
      answer("a1", "done"),
      { ...handoff("h1", "plan"), parts: [text("h1", { kind: "message", fromAgent: "build", fromSession: "ses_caller", callID: "call_plan" })] },
    ]
    expect(sidebarModel(messages, new Map(), undefined, true).queued).toEqual([{ mode: "message", agent: "docs", text: "for docs" }])
    expect(sidebarModel(messages, new Map(), undefined, false).queued).toEqual([])
    expect(sidebarLines(sidebarModel(messages, new Map(), undefined, true))).toEqual(["Queued here (1)", "• message → docs: for docs"])
  })

  it("drops what an interruption dropped", () => {
    const aborted: Stored = { info: { id: "a1", role: "assistant", error: { name: "MessageAbortedError" } }, parts: [] }
    expect(sidebarModel([user("u1", "build"), handoffCalls(["plan"]), aborted], new Map(), undefined, true).queued).toEqual([])
  })
})

describe("handoffHint", () => {
  it("says who took the hand-off and where the prompt stays when they differ", () => {
    const messages = [user("u1", "build"), answer("a1", "ok"), user("h1", "plan", { kind: "message", fromAgent: "build" }), answer("a2", "plan here")]
    expect(handoffHint(messages)).toBe("plan took the hand-off · the prompt stays on build: Tab to answer plan")
  })

  it("says nothing after the person's own message, a report, or a hand-off to the person's own agent", () => {
    expect(handoffHint([user("u1", "build"), answer("a1", "ok")])).toBeUndefined()
    expect(handoffHint([user("u1", "build"), user("r1", "build", { kind: "report", sessions: [] })])).toBeUndefined()
    expect(handoffHint([user("u1", "build"), user("h1", "build", { kind: "message" })])).toBeUndefined()
  })
})
