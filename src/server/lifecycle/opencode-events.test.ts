/** OpenCode's events and hooks become the plugin's signals once: here, what each one turns into. */
import type { Event } from "@opencode-ai/sdk"
import { beforeEach, describe, expect, it } from "vitest"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { markerMetadata, stopStartedCommand, TUI_PART_REGISTERED } from "../../core/protocol.js"
import { startMarker } from "../../../test/fixtures/stored.js"
import { hearAsks, shared } from "../host/process.js"
import { OpencodeEvents } from "./opencode-events.js"

function setup() {
  const parts = lifecycleOver(fakeOpencode({}))
  return { ...parts, events: new OpencodeEvents(parts.lifecycle, parts.bus) }
}

const status = (sessionID: string, type: string): Event =>
  ({ type: "session.status", properties: { sessionID, status: type === "retry" ? { type, attempt: 1, message: "", next: 0 } : { type } } }) as Event
const idle = (sessionID: string): Event => ({ type: "session.idle", properties: { sessionID } })
const assistantInfo = (sessionID: string, extra: Record<string, unknown> = {}) => ({
  id: "a1",
  sessionID,
  role: "assistant" as const,
  parentID: "u1",
  time: { created: Date.now() },
  modelID: "m",
  providerID: "p",
  mode: "build",
  path: { cwd: "/", root: "/" },
  cost: 0.5,
  tokens: { input: 100, output: 10, reasoning: 5, cache: { read: 0, write: 0 } },
  ...extra,
})
const command = (command: string): Event => ({ type: "tui.command.execute", properties: { command } })

beforeEach(() => shared().claimed.clear())

describe("OpencodeEvents", () => {
  it("turns busy, retry and the two idles into one turn began and one turn ended", () => {
    const { events, names } = setup()
    events.event(status("ses_a", "busy"))
    events.event(status("ses_a", "retry"))
    events.event(status("ses_a", "idle"))
    events.event(idle("ses_a"))
    expect(names()).toEqual(["turn.began", "turn.ended"])
  })

  it("hears an abort from the aborted answer (with its turn) or from the error, once; other errors as a failed turn", () => {
    const { events, heard } = setup()
    events.event(status("ses_a", "busy"))
    events.event({
      type: "message.updated",
      properties: { info: assistantInfo("ses_a", { error: { name: "MessageAbortedError", data: { message: "aborted" } } }) },
    })
    events.event({ type: "session.error", properties: { sessionID: "ses_a", error: { name: "MessageAbortedError", data: { message: "aborted" } } } })
    events.event({
      type: "session.error",
      properties: { sessionID: "ses_b", error: { name: "APIError", data: { message: "overloaded", isRetryable: false } } },
    })
    expect(heard.filter((one) => one.signal !== "turn.began").map((one) => one.payload)).toEqual([
      { sessionID: "ses_a", turn: "u1" },
      { sessionID: "ses_b", error: "APIError: overloaded" },
    ])
  })

  it("counts what a started session's answers cost, from their updates", () => {
    const { events, lifecycle } = setup()
    lifecycle.started("ses_a", { kind: "start", fromAgent: "build", fromSession: "ses_c", mode: "new", agent: "plan", report: "none", call: "a0", title: "t" })
    events.event({ type: "message.updated", properties: { info: assistantInfo("ses_a") } })
    expect(lifecycle.spent("ses_a")).toEqual({ input: 100, output: 15, cost: 0.5 })
  })

  it("hears a started session's turn give its answer once, from its last step's completed message: not a tool-call step, not an error", () => {
    const { events, lifecycle, names } = setup()
    lifecycle.started("ses_a", { kind: "start", fromAgent: "build", fromSession: "ses_c", mode: "new", agent: "plan", report: "none", call: "a0", title: "t" })
    events.event(status("ses_a", "busy"))
    const completed = (id: string, finish: string, extra: Record<string, unknown> = {}): Event => ({
      type: "message.updated",
      properties: { info: assistantInfo("ses_a", { id, finish, time: { created: 1, completed: 2 }, ...extra }) },
    })
    events.event(completed("a1", "tool-calls"))
    events.event(completed("a2", "stop", { error: { name: "APIError", data: { message: "x" } } }))
    events.event(completed("a3", "stop"))
    events.event(completed("a3", "stop"))
    expect(names().filter((name) => name === "answer.given")).toHaveLength(1)
  })

  it("tells a deletion, the TUI part's announcement, and the person's stop from the TUI once however many copies hear it", () => {
    const { events, names, heard } = setup()
    const other = setup()
    events.event({
      type: "session.deleted",
      properties: { info: { id: "ses_gone", projectID: "p", directory: "/", title: "t", version: "1", time: { created: 1, updated: 1 } } },
    })
    events.event(command(TUI_PART_REGISTERED))
    events.event(command(stopStartedCommand("ses_c", "n1")))
    other.events.event(command(stopStartedCommand("ses_c", "n1")))
    events.event(command("session.list"))
    expect(names()).toEqual(["session.deleted", "tui-part.announced", "stop.asked"])
    expect(heard.at(-1)?.payload).toEqual({ callerID: "ses_c" })
    expect(other.names()).toEqual([])
  })

  it("tells the person's messages from the plugin's by its marker, and a step as a running turn", () => {
    const { events, heard } = setup()
    events.message("ses_a", [{ type: "text", metadata: {} }])
    events.message("ses_a", [{ type: "text", metadata: markerMetadata({ kind: "message", fromAgent: "build", fromSession: "ses_a" }) }])
    events.step("ses_a")
    events.step("ses_a")
    expect(heard.map((one) => [one.signal, one.payload])).toEqual([
      ["message.accepted", { sessionID: "ses_a", from: "person" }],
      ["message.accepted", { sessionID: "ses_a", from: "plugin" }],
      ["turn.began", { sessionID: "ses_a" }],
      ["step.began", { sessionID: "ses_a" }],
      ["step.began", { sessionID: "ses_a" }],
    ])
  })
})

describe("asks, heard by one copy of the plugin and known to every copy (1.0 runs two: one hears the events, the other runs the tool)", () => {
  it("an ask and its reply reach the lifecycle of the copy that holds the session, whichever copy's event hook heard them", () => {
    const hearing = setup()
    const holding = setup()
    const ears = [hearAsks((ask) => hearing.events.ask(ask)), hearAsks((ask) => holding.events.ask(ask))]
    try {
      holding.lifecycle.started("ses_asks", startMarker("ses_caller"))
      holding.lifecycle.began("ses_asks")
      const asked = { type: "permission.asked", properties: { id: "per_9", sessionID: "ses_asks", permission: "bash", patterns: ["ls"] } } as unknown as Event
      hearing.events.event(asked)
      expect(holding.lifecycle.life("ses_asks")?.state).toEqual({ state: "asking", asks: [{ id: "per_9", kind: "permission", what: "bash: ls" }] })
      expect(holding.names()).toContain("asked")
      hearing.events.event({ type: "permission.replied", properties: { sessionID: "ses_asks", requestID: "per_9", reply: "once" } } as unknown as Event)
      expect(holding.lifecycle.life("ses_asks")?.state).toEqual({ state: "running" })
    } finally {
      for (const off of ears) off()
    }
  })
})
