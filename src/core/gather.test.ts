import { describe, expect, it } from "vitest"
import { dueReports, type Member } from "./gather.js"

function member(sessionID: string, overrides: Partial<Member> = {}): Member {
  return {
    key: sessionID,
    sessionID,
    title: `Fork · plan: ${sessionID}`,
    agent: "plan",
    mode: "fork",
    report: "together",
    turn: "turn1",
    call: "a1",
    state: { state: "running" },
    ...overrides,
  }
}
const done = (answer: string) => ({ state: { state: "answered" as const }, answer })
const ids = (due: ReturnType<typeof dueReports>) => due.map((report) => report.members.map((m) => m.sessionID))

describe("dueReports", () => {
  it("holds a turn's together-reports until every one has finished and the turn is over, then sends them as one", () => {
    const members = [member("a", done("A")), member("b"), member("c", done("C"))]
    expect(dueReports(members, new Set(), () => true)).toEqual([])
    members[1] = member("b", done("B"))
    expect(dueReports(members, new Set(), () => false)).toEqual([])
    expect(ids(dueReports(members, new Set(), () => true))).toEqual([["a", "b", "c"]])
  })

  it("counts failed, interrupted and deleted sessions as finished, so they never hold the rest", () => {
    const members = [
      member("a", done("A")),
      member("b", { state: { state: "failed", error: "APIError" } }),
      member("c", { state: { state: "interrupted" } }),
      member("d", { state: { state: "deleted" } }),
    ]
    expect(ids(dueReports(members, new Set(), () => true))).toEqual([["a", "b", "c", "d"]])
  })

  it("sends each-reports one by one as they finish, and nothing twice", () => {
    const members = [member("a", { report: "each", ...done("A") }), member("b", { report: "each" }), member("c", { report: "none", ...done("C") })]
    expect(ids(dueReports(members, new Set(), () => false))).toEqual([["a"]])
    expect(ids(dueReports(members, new Set(["a"]), () => true))).toEqual([])
  })

  it("keeps turns apart, and leaves out of a turn what was already reported", () => {
    const members = [member("a", done("A")), member("b", { turn: "turn2", ...done("B") }), member("c", { turn: "turn2" })]
    expect(ids(dueReports(members, new Set(), () => true))).toEqual([["a"]])
    expect(ids(dueReports(members, new Set(["a", "c"]), () => true))).toEqual([["b"]])
  })
})
