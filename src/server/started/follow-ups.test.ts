import { describe, expect, it } from "vitest"
import { HandoffBook } from "../../core/book.js"
import { callMetadata, reportKey, type ReportStyle, type Stored } from "../../core/protocol.js"
import { FollowUps, followUpID, type FollowUp } from "./follow-ups.js"

const CALLER = "ses_caller"

const followUp = (id: string, sessionID = "ses_A", report: ReportStyle = "each", callerID = CALLER): FollowUp => ({
  id,
  sessionID,
  callerID,
  agent: "plan",
  report,
  call: `a_${id}`,
})
/** A completed `session` call that sent follow-up `id` to `session`, as the caller's record stores it. */
const recorded = (id: string, session: string, report: ReportStyle = "each") => ({
  type: "tool",
  tool: "session",
  callID: `c_${id}`,
  state: {
    status: "completed",
    input: { mode: "message", session, text: "More." },
    metadata: callMetadata({ kind: "follow-up", v: 1, fromAgent: "build", session, agent: "docs", report, id }),
  },
})
const callerMessages = (...calls: Array<{ messageID: string; parts: Stored["parts"] }>): Stored[] => [
  { info: { id: "u1", role: "user" }, parts: [{ type: "text", text: "go" }] },
  ...calls.map(({ messageID, parts }): Stored => ({ info: { id: messageID, role: "assistant", parentID: "u1" }, parts })),
]

function setup() {
  const book = new HandoffBook(10)
  return { book, followUps: new FollowUps(book) }
}

describe("FollowUps.onItsWay", () => {
  it("is on its way while queued in its session's book, while being sent, and no longer once sent", () => {
    const { book, followUps } = setup()
    const mine = followUp("fu1")
    followUps.accept(mine)
    expect(followUps.onItsWay(mine)).toBe(false)
    book.enqueue({
      kind: "follow-up",
      sessionID: "ses_A",
      agent: "plan",
      text: "More.",
      from: { agent: "build", sessionID: CALLER },
      followUp: { id: "fu1", report: "each" },
    })
    expect(followUps.onItsWay(mine)).toBe(true)
    expect(followUps.onItsWay(followUp("fu2"))).toBe(false)
    expect(followUps.onItsWay(followUp("fu1", "ses_B"))).toBe(false)
    book.takeNext("ses_A")
    expect(followUps.onItsWay(mine)).toBe(false)
    followUps.sendingNow("fu1")
    expect(followUps.onItsWay(mine)).toBe(true)
    followUps.sent("fu1")
    expect(followUps.onItsWay(mine)).toBe(false)
  })
})

describe("FollowUps.ofCaller", () => {
  it("lists the stored records in call order, then those only memory knows, each once, and none of other callers", () => {
    const { followUps } = setup()
    followUps.accept(followUp("fu_mem", "ses_C"))
    followUps.accept(followUp("fu_stored2", "ses_B"))
    followUps.accept(followUp("fu_other", "ses_D", "each", "ses_other_caller"))
    const messages = callerMessages(
      { messageID: "a1", parts: [recorded("fu_stored1", "ses_A", "none")] },
      { messageID: "a2", parts: [recorded("fu_stored2", "ses_B")] },
    )
    expect(followUps.ofCaller(CALLER, messages)).toEqual([
      { id: "fu_stored1", sessionID: "ses_A", callerID: CALLER, agent: "docs", report: "none", call: "a1" },
      { id: "fu_stored2", sessionID: "ses_B", callerID: CALLER, agent: "docs", report: "each", call: "a2" },
      followUp("fu_mem", "ses_C"),
    ])
    expect(followUps.ofCaller("ses_other_caller", []).map((known) => known.id)).toEqual(["fu_other"])
    expect(followUps.ofCaller("ses_nobody", messages).map((known) => known.id)).toEqual(["fu_stored1", "fu_stored2"])
  })
})

describe("FollowUps.unreported and owedTo", () => {
  it("has an answer to send back while a follow-up that reports is not claimed; one that reports nothing never counts", () => {
    const { followUps } = setup()
    followUps.accept(followUp("fu_silent", "ses_A", "none"))
    followUps.accept(followUp("fu_each", "ses_B", "each"))
    const claimed = new Set<string>()
    const isClaimed = (key: string) => claimed.has(key)
    expect(followUps.unreported({ sessionID: "ses_A" }, isClaimed)).toBe(false)
    expect(followUps.unreported({ sessionID: "ses_B" }, isClaimed)).toBe(true)
    expect(followUps.unreported({ callerID: CALLER }, isClaimed)).toBe(true)
    expect(followUps.unreported({ callerID: "ses_other_caller" }, isClaimed)).toBe(false)
    expect(followUps.unreported({}, isClaimed)).toBe(true)
    claimed.add(reportKey("ses_B", "fu_each"))
    expect(followUps.unreported({ sessionID: "ses_B" }, isClaimed)).toBe(false)
    expect(followUps.unreported({}, isClaimed)).toBe(false)
  })

  it("owes the caller a follow-up still on its way, or an answer not reported yet, and nothing once both are done", () => {
    const { followUps } = setup()
    followUps.accept(followUp("fu_silent", "ses_A", "none"))
    const reported = new Set<string>()
    const wasReported = (key: string) => reported.has(key)
    expect(followUps.owedTo(CALLER, wasReported)).toBe(false)
    followUps.sendingNow("fu_silent")
    expect(followUps.owedTo(CALLER, wasReported)).toBe(true)
    expect(followUps.owedTo("ses_other_caller", wasReported)).toBe(false)
    followUps.sent("fu_silent")
    followUps.accept(followUp("fu_each", "ses_B", "together"))
    expect(followUps.owedTo(CALLER, wasReported)).toBe(true)
    reported.add(reportKey("ses_B", "fu_each"))
    expect(followUps.owedTo(CALLER, wasReported)).toBe(false)
  })
})

describe("FollowUps memory", () => {
  it("forgets the follow-ups to a session, or from a caller, once it is deleted", () => {
    const { followUps } = setup()
    followUps.accept(followUp("fu1", "ses_A"))
    followUps.accept(followUp("fu2", "ses_B"))
    followUps.accept(followUp("fu3", "ses_C", "each", "ses_other_caller"))
    followUps.forget("ses_A")
    expect(followUps.ofCaller(CALLER, []).map((known) => known.id)).toEqual(["fu2"])
    followUps.forget("ses_other_caller")
    expect(followUps.ofCaller("ses_other_caller", [])).toEqual([])
    expect(followUps.unreported({}, () => false)).toBe(true)
    followUps.forget(CALLER)
    expect(followUps.unreported({}, () => false)).toBe(false)
  })

  it("remembers at most 1,000 follow-ups, dropping the oldest first", () => {
    const { followUps } = setup()
    for (let n = 0; n < 1_001; n++) followUps.accept(followUp(`fu${n}`))
    const known = followUps.ofCaller(CALLER, []).map((kept) => kept.id)
    expect(known).toHaveLength(1_000)
    expect(known[0]).toBe("fu1")
    expect(known.at(-1)).toBe("fu1000")
  })

  it("makes a fresh id for each follow-up", () => {
    const ids = new Set(Array.from({ length: 50 }, followUpID))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^fu[0-9a-z]+$/)
  })
})
