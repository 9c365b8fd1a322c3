/** Each writer of a record beside its reader: what the plugin writes, it reads back the same, through the record's schema. */
import { describe, expect, it } from "vitest"
import { calls, sessionCall, stored, textWith, user } from "../../test/fixtures/stored.js"
import { deliveredMarker } from "./book.js"
import { pendingHandoffs, reportedIn, startMarkerOf } from "./lineage.js"
import { markerMetadata, MARKER, PROTOCOL, type StartMarker } from "./protocol.js"
import { isPluginMessage, messageMarker, readStored } from "./stored.js"

const withMetadata = (metadata: Record<string, unknown>) => ({ info: { id: "u", role: "user" }, parts: [textWith("whatever the words", metadata)] })

describe("records round trip", () => {
  it("a start marker, on a started session's first message", () => {
    const marker: StartMarker = {
      kind: "start",
      fromAgent: "build",
      fromSession: "ses_c",
      mode: "fork",
      agent: "plan",
      report: "each",
      call: "msg_1",
      title: "Fork (plan): x",
    }
    expect(startMarkerOf(stored(withMetadata(markerMetadata(marker))))).toEqual({ ...marker, v: PROTOCOL })
  })

  it("a delivered hand-off's marker names the call it delivers; a report's, the sessions it holds", () => {
    const from = { agent: "build", sessionID: "ses_c" }
    const [handoff] = stored(withMetadata(markerMetadata(deliveredMarker({ kind: "message", from, callID: "call_9" }))))
    expect(messageMarker(handoff!)).toEqual({ kind: "message", fromAgent: "build", fromSession: "ses_c", callID: "call_9", v: PROTOCOL })
    const accepted = stored(
      calls("a", [sessionCall("call_9", { text: "t" }, { kind: "handoff", v: PROTOCOL, fromAgent: "build", mode: "message", agent: "plan" })]),
    )
    expect(pendingHandoffs(accepted)).toHaveLength(1)
    expect(pendingHandoffs([...accepted, handoff!])).toEqual([])
    const [report] = stored(withMetadata(markerMetadata(deliveredMarker({ kind: "report", from, covers: [from, { agent: "plan", sessionID: "ses_d" }] }))))
    expect([...reportedIn([report!])]).toEqual(["ses_c", "ses_d"])
    expect(isPluginMessage(report!.parts)).toBe(true)
  })
})

describe("reading what is stored", () => {
  it("ignores metadata that is not the plugin's", () => {
    const read = readStored(withMetadata({ other: { kind: "start" } }))
    expect(read.skipped).toEqual([])
    expect(messageMarker(read.message!)).toBeUndefined()
  })

  it("skips a marker that does not parse, saying which message and why, and reads the rest", () => {
    const read = readStored(withMetadata({ [MARKER]: { kind: "start", fromAgent: "build" } }))
    expect(read.message?.parts[0]?.text).toBe("whatever the words")
    expect(messageMarker(read.message!)).toBeUndefined()
    expect(read.skipped).toHaveLength(1)
    expect(read.skipped[0]).toMatch(/message u: a marker that does not parse \(.*fromSession/)
    expect(readStored(withMetadata({ [MARKER]: { kind: "unknown" } })).skipped[0]).toMatch(/kind/)
  })

  it("skips a call record that does not parse, naming its call", () => {
    const bad = {
      type: "tool",
      tool: "session",
      callID: "call_7",
      state: { status: "completed", input: {}, output: "x", metadata: { [MARKER]: { kind: "started", v: 1 } } },
    }
    const read = readStored(calls("a", [bad]))
    expect(read.message?.parts[0]?.record).toBeUndefined()
    expect(read.skipped[0]).toMatch(/message a: a call record on call_7 that does not parse/)
  })

  it("reads no record off a call that did not complete, or of another tool", () => {
    const record = { kind: "collected", v: 1, sessions: ["ses_a"] }
    const running = { type: "tool", tool: "session", callID: "c1", state: { status: "running", input: {}, metadata: { [MARKER]: record } } }
    const other = { type: "tool", tool: "bash", callID: "c2", state: { status: "completed", input: {}, output: "", metadata: { [MARKER]: record } } }
    const [message] = stored(calls("a", [running, other]))
    expect(message!.parts.map((part) => part.record)).toEqual([undefined, undefined])
  })

  it("reads the TUI's state, whose objects are proxies that list symbol keys too", () => {
    const proxied = <T extends object>(target: T): T => new Proxy(target, { ownKeys: (inner) => [...Reflect.ownKeys(inner), Symbol("solid-proxy")] })
    const marker = markerMetadata({ kind: "message", fromAgent: "build", fromSession: "ses_c" })
    const read = readStored({ info: proxied({ id: "u", role: "user" }), parts: [proxied({ type: "text", text: "x", metadata: proxied(marker) })] })
    expect(read.skipped).toEqual([])
    expect(messageMarker(read.message!)?.kind).toBe("message")
  })

  it("says so of a message that is not one at all, and keeps what OpenCode gives beside its records", () => {
    expect(readStored({ info: { role: "user" } }).message).toBeUndefined()
    expect(readStored("nonsense").skipped[0]).toMatch(/does not parse/)
    const [message] = stored(user("u1", "hi", undefined, { agent: "plan", extra: "ignored" }))
    expect(message!.info).toMatchObject({ id: "u1", role: "user", agent: "plan" })
  })
})
