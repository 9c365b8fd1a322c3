import { describe, expect, it } from "vitest"
import type { Stored } from "../../core/protocol.js"
import { turnOver } from "./reporter.js"

const user = (id: string): Stored => ({ info: { id, role: "user" }, parts: [] })
const step = (id: string, finish: string, completed = true, parentID = "u1"): Stored => ({
  info: { id, role: "assistant", parentID, finish, time: { created: 1, completed: completed ? 2 : undefined } },
  parts: [],
})

describe("turnOver", () => {
  it("is over with a final answer to the turn, not with a step that only called tools", () => {
    expect(turnOver([user("u1"), step("a1", "tool-calls")], "u1", true)).toBe(false)
    expect(turnOver([user("u1"), step("a1", "tool-calls"), step("a2", "stop", false)], "u1", true)).toBe(false)
    expect(turnOver([user("u1"), step("a1", "tool-calls"), step("a2", "stop")], "u1", false)).toBe(true)
  })

  it("is over once a later message began another turn", () => {
    expect(turnOver([user("u1"), step("a1", "tool-calls"), user("u2")], "u1", true)).toBe(true)
  })

  it("falls back on whether the caller is busy when the turn is not in the messages read", () => {
    expect(turnOver([], "u1", true)).toBe(false)
    expect(turnOver([], "u1", false)).toBe(true)
  })
})

describe("ReportClaims", () => {
  it("claims a report's sessions all or none, so a second instance cannot send the same report", async () => {
    const { ReportClaims, processReportClaims } = await import("./report-claims.js")
    const claims = new ReportClaims()
    expect(claims.claim(["a", "b"])).toBe(true)
    expect(claims.claim(["b", "c"])).toBe(false)
    expect(claims.has("c")).toBe(false)
    claims.forget("b")
    expect(claims.claim(["b", "c"])).toBe(true)
    // One registry per process, whoever asks for it.
    expect(processReportClaims()).toBe(processReportClaims())
  })
})
