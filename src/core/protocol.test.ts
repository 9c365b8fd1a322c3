/** Each writer of a record beside its reader: what the plugin writes, it reads back the same. */
import { describe, expect, it } from "vitest"
import { deliveredMetadata } from "./delivered.js"
import { pendingHandoffs, reportedIn, startMarkerOf } from "./lineage.js"
import { callMetadata, isPluginMessage, markerMetadata, messageMarker, PROTOCOL, type StartMarker, type Stored } from "./protocol.js"

const userWith = (metadata: Record<string, unknown>): Stored => ({
  info: { id: "u", role: "user" },
  parts: [{ type: "text", text: "whatever the words", metadata }],
})

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
    const read = startMarkerOf([userWith(markerMetadata(marker))])
    expect(read).toEqual({ ...marker, v: PROTOCOL })
  })

  it("a delivered hand-off's marker names the call it delivers; a report's, the sessions it holds", () => {
    const from = { agent: "build", sessionID: "ses_c" }
    const handoff = userWith(deliveredMetadata({ kind: "message", from, callID: "call_9" }))
    expect(messageMarker(handoff)).toEqual({ kind: "message", fromAgent: "build", fromSession: "ses_c", callID: "call_9", v: PROTOCOL })
    const accepted: Stored = {
      info: { id: "a", role: "assistant" },
      parts: [
        {
          type: "tool",
          tool: "session",
          callID: "call_9",
          state: {
            status: "completed",
            input: { text: "t" },
            metadata: callMetadata({ kind: "handoff", v: PROTOCOL, fromAgent: "build", mode: "message", agent: "plan" }),
          },
        },
      ],
    }
    expect(pendingHandoffs([accepted])).toHaveLength(1)
    expect(pendingHandoffs([accepted, handoff])).toEqual([])
    const report = userWith(deliveredMetadata({ kind: "report", from, covers: [from, { agent: "plan", sessionID: "ses_d" }] }))
    expect([...reportedIn([report])]).toEqual(["ses_c", "ses_d"])
    expect(isPluginMessage(report.parts)).toBe(true)
  })

  it("ignores metadata that is not the plugin's, or not a record it knows", () => {
    expect(messageMarker(userWith({ other: { kind: "start" } }))).toBeUndefined()
    expect(messageMarker(userWith({ "opencode-sessions": { kind: "unknown" } }))).toBeUndefined()
  })
})
