/** The reporter: which answers go back to the caller, when, in how many messages, and never twice. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { assistant, calls, sessionCall, startMarker, startedRecord, stored, user } from "../../../test/fixtures/stored.js"
import { HandoffBook } from "../../core/book.js"
import type { ReportStyle } from "../../core/protocol.js"
import type { Stored } from "../../core/stored.js"
import type { Notifier } from "../host/notify.js"
import { shared } from "../host/process.js"
import type { Worktrees } from "../isolation/worktrees.js"
import { Claims } from "../state/claims.js"
import { Reporter } from "./reporter.js"

const CALLER = "ses_caller"
let folder: string
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "reporter-test-"))
  // Claims among the plugin's copies are the process's: each test starts as a fresh process.
  shared().claimed.clear()
})
afterEach(() => rmSync(folder, { recursive: true, force: true }))

/** The caller's history: its turn u1, whose answer step a1 started these sessions, then (when `over`) its final answer. */
function callerWith(children: Record<string, ReportStyle>, over = true, more: Stored[] = []): Stored[] {
  const records = Object.entries(children).map(([id, report]) => sessionCall(`c_${id}`, { mode: "fork" }, startedRecord(id, { report })))
  return [...stored(user("u1", "go"), calls("a1", records), ...(over ? [assistant("a2", "All started.", { parentID: "u1" })] : [])), ...more]
}

/** Two copies of the plugin share the process and the files; each has its own book and lifecycle over the same store. */
function copy(store: Record<string, Stored[]>) {
  const reads: string[] = []
  const opencode = fakeOpencode({
    messages: async (sessionID: string) => {
      reads.push(sessionID)
      return store[sessionID] ?? []
    },
  })
  const parts = lifecycleOver(opencode)
  const book = new HandoffBook(8)
  const notifier = { info: () => undefined, error: (message: string) => parts.warnings.push(message) } as unknown as Notifier
  const reporter = new Reporter({
    opencode,
    book,
    lifecycle: parts.lifecycle,
    bus: parts.bus,
    notifier,
    claims: new Claims(folder),
    worktrees: {} as Worktrees,
  })
  const reports = () => book.pending(CALLER).filter((handoff) => handoff.kind === "report")
  return { ...parts, book, reporter, reports, reads }
}

function finish(parts: ReturnType<typeof copy>, sessionID: string, report: ReportStyle, how: "answered" | "failed" = "answered") {
  parts.lifecycle.started(sessionID, startMarker(CALLER, { report, title: `Fork (plan): ${sessionID}` }))
  parts.lifecycle.change(sessionID, { type: "began" })
  parts.lifecycle.answered(sessionID, how === "answered" ? { state: "answered" } : { state: "failed", error: "APIError: down" }, `Answer of ${sessionID}.`)
  const life = parts.lifecycle.life(sessionID)
  parts.reporter.changed(life, [sessionID])
}

describe("Reporter", () => {
  it("sends an `each` session's answer back once it finishes, once, and asks for its delivery, with no read", async () => {
    const store = { [CALLER]: callerWith({ ses_a: "each" }) }
    const parts = copy(store)
    finish(parts, "ses_a", "each")
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    const [report] = parts.reports()
    expect(report!.covers?.map((sender) => sender.key)).toEqual(["ses_a"])
    expect(report!.text).toContain("Answer of ses_a.")
    expect(parts.names()).toContain("work.queued")
    // This copy started it and OpenCode has not restarted: memory knows everything the decision needs.
    expect(parts.reads).toEqual([])
    expect(parts.reporter.owes(CALLER)).toBe(true) // queued, not delivered
    parts.reporter.changed(parts.lifecycle.life("ses_a"), ["ses_a"])
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(parts.reports()).toHaveLength(1)
  })

  it("holds a turn's `together` answers until all have finished and the turn is over, then sends one message", async () => {
    const parts = copy({})
    parts.lifecycle.began(CALLER) // the caller's turn, which starts them
    finish(parts, "ses_a", "together")
    finish(parts, "ses_b", "together", "failed")
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(parts.reports()).toEqual([]) // the caller's turn may still start more
    parts.lifecycle.ended(CALLER)
    parts.reporter.turnEnded(CALLER)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    const [report] = parts.reports()
    expect(report!.covers?.map((sender) => sender.key)).toEqual(["ses_a", "ses_b"])
    expect(report!.text).toMatch(/Answer of ses_a\.[\s\S]*Its turn failed: APIError: down/)
  })

  it("decides from the store for sessions read back from it (after a restart): what reached the caller is not sent again", async () => {
    const reported = stored(user("u2", "[Report]", { kind: "report", fromAgent: "plan", fromSession: "ses_a", sessions: ["ses_a"] }))
    const child = (id: string) => stored(user(`${id}_u`, "go", startMarker(CALLER, { report: "each", call: "a1" })), assistant(`${id}_a`, `Answer of ${id}.`))
    const store = { [CALLER]: callerWith({ ses_a: "each", ses_b: "each" }, true, reported), ses_a: child("ses_a"), ses_b: child("ses_b") }
    const parts = copy(store)
    parts.reporter.resume(CALLER)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    expect(parts.reports()[0]!.covers?.map((sender) => sender.key)).toEqual(["ses_b"])
    expect(parts.reports()[0]!.text).toContain("Answer of ses_b.")
    expect(parts.reads).toContain(CALLER)
  })

  it("sends nothing a wait collected", async () => {
    const parts = copy({})
    parts.reporter.collected(CALLER, ["ses_b"])
    finish(parts, "ses_b", "each")
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(parts.reports()).toEqual([])
    expect(parts.reporter.owes(CALLER)).toBe(false)
  })

  it("a wait that collects an answer drops its report still queued", async () => {
    const parts = copy({ [CALLER]: callerWith({ ses_a: "each" }) })
    finish(parts, "ses_a", "each")
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    parts.reporter.collected(CALLER, ["ses_a"])
    expect(parts.reports()).toEqual([])
  })

  it("of two copies of the plugin that both see a session finish, one sends its report; one that gives up leaves it to the next", async () => {
    const store = { [CALLER]: callerWith({ ses_a: "each" }) }
    const first = copy(store)
    const second = copy(store)
    finish(first, "ses_a", "each")
    finish(second, "ses_a", "each")
    await vi.waitFor(() => expect(first.reports().length + second.reports().length).toBe(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(first.reports().length + second.reports().length).toBe(1)
    const sender = first.reports().length ? first : second
    sender.reporter.giveUp(["ses_a"])
    const third = copy(store)
    finish(third, "ses_a", "each")
    await vi.waitFor(() => expect(third.reports()).toHaveLength(1))
  })

  it("owes the caller a start that waits for its place, and a report due, but nothing for a session that reports nothing", () => {
    const parts = copy({})
    parts.lifecycle.started("ses_wait", startMarker(CALLER, { report: "none" }))
    expect(parts.reporter.owes(CALLER)).toBe(true)
    parts.lifecycle.change("ses_wait", { type: "began" })
    expect(parts.reporter.owes(CALLER)).toBe(false)
    parts.lifecycle.started("ses_due", startMarker(CALLER, { report: "each" }))
    parts.lifecycle.change("ses_due", { type: "began" })
    expect(parts.reporter.owes(CALLER)).toBe(true)
  })
})
