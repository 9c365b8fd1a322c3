import { describe, expect, it } from "vitest"
import type { CallRecord } from "../../core/protocol.js"
import { readStored, type StoredPart } from "../../core/stored.js"

const callRecordOf = (part: StoredPart) => part.record
import { CallRecords } from "./records.js"

const record: CallRecord = { kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent: "plan" }

/** The completed `session` part OpenCode stores with the metadata the after hook left, read back as the plugin reads it. */
function readBack(callID: string, metadata: unknown) {
  const raw = {
    info: { id: "a1", role: "assistant" },
    parts: [{ type: "tool", tool: "session", callID, state: { status: "completed", input: { mode: "message" }, output: "words", metadata } }],
  }
  const read = readStored(raw)
  expect(read.skipped).toEqual([])
  return read.message!.parts[0]!
}

describe("CallRecords", () => {
  it("knows a call's id from its context, or from the arguments the before hook saw", () => {
    const records = new CallRecords()
    const args = { mode: "message" }
    expect(records.callIDOf({ callID: "call_ctx" }, args)).toBe("call_ctx")
    expect(records.callIDOf({}, args)).toBeUndefined()
    records.before("session", "call_hook", args)
    records.before("bash", "call_other", { command: "ls" })
    expect(records.callIDOf({}, args)).toBe("call_hook")
    // An empty or non-text id in the context is no id: the before hook's is used.
    expect(records.callIDOf({ callID: "" }, args)).toBe("call_hook")
    expect(records.callIDOf({ callID: 7 }, args)).toBe("call_hook")
    // Only these very arguments: an equal object is another call's.
    expect(records.callIDOf({}, { mode: "message" })).toBeUndefined()
  })

  it("puts the record a call kept onto its part's metadata as it completes, beside OpenCode's, and reads back the same", () => {
    const records = new CallRecords()
    records.keep("call_1", record)
    const output = { metadata: { truncated: false } as unknown }
    records.after("session", "call_1", output)
    expect(output.metadata).toMatchObject({ truncated: false })
    const part = readBack("call_1", output.metadata)
    expect(part.record).toEqual(record)
    expect(callRecordOf(part)).toEqual(record)
    // Once only, and never on another tool's part.
    const again = { metadata: {} as unknown }
    records.after("session", "call_1", again)
    expect(again.metadata).toEqual({})
    records.keep("call_2", record)
    const other = { metadata: undefined as unknown }
    records.after("bash", "call_2", other)
    expect(other.metadata).toBeUndefined()
  })

  it("puts a record on a part OpenCode left no metadata on, and leaves a call that kept none alone", () => {
    const records = new CallRecords()
    records.keep("call_1", record)
    const bare = { metadata: undefined as unknown }
    records.after("session", "call_1", bare)
    expect(callRecordOf(readBack("call_1", bare.metadata))).toEqual(record)
    const none = { metadata: { truncated: true } as unknown }
    records.after("session", "call_unknown", none)
    expect(none.metadata).toEqual({ truncated: true })
    expect(callRecordOf(readBack("call_unknown", none.metadata))).toBeUndefined()
  })

  it("keeps the newest thousand records only, so a host that never runs the after hook cannot make it grow", () => {
    const records = new CallRecords()
    for (let index = 0; index <= 1_000; index++) records.keep(`call_${index}`, { ...record, agent: `agent_${index}` })
    const oldest = { metadata: {} as unknown }
    records.after("session", "call_0", oldest)
    expect(oldest.metadata).toEqual({})
    for (const index of [1, 1_000]) {
      const output = { metadata: {} as unknown }
      records.after("session", `call_${index}`, output)
      expect(callRecordOf(readBack(`call_${index}`, output.metadata))).toEqual({ ...record, agent: `agent_${index}` })
    }
  })
})
