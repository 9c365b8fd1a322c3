import { describe, expect, it } from "vitest"
import { callRecordOf, type CallRecord } from "../../core/protocol.js"
import { CallRecords } from "./records.js"

const record: CallRecord = { kind: "handoff", v: 1, fromAgent: "build", mode: "message", agent: "plan" }

describe("CallRecords", () => {
  it("knows a call's id from its context, or from the arguments the before hook saw", () => {
    const records = new CallRecords()
    const args = { mode: "message" }
    expect(records.callIDOf({ callID: "call_ctx" }, args)).toBe("call_ctx")
    expect(records.callIDOf({}, args)).toBeUndefined()
    records.before("session", "call_hook", args)
    records.before("bash", "call_other", { command: "ls" })
    expect(records.callIDOf({}, args)).toBe("call_hook")
  })

  it("puts the record a call kept onto its part's metadata as it completes, beside OpenCode's, and reads back the same", () => {
    const records = new CallRecords()
    records.keep("call_1", record)
    const output = { metadata: { truncated: false } as unknown }
    records.after("session", "call_1", output)
    expect(output.metadata).toMatchObject({ truncated: false })
    const part = { type: "tool", tool: "session", callID: "call_1", state: { status: "completed", metadata: output.metadata as Record<string, unknown> } }
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
})
