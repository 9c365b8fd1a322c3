import { describe, expect, it } from "vitest"
import type { Answered } from "./gather.js"
import { reportedIn, type Stored } from "./lineage.js"
import { allFinished, MAX_WAIT_SECONDS, waitResult, waitSeconds, waitTargets } from "./wait.js"

function session(sessionID: string, outcome: Answered["outcome"]): Answered {
  return { sessionID, title: `Fork · plan: ${sessionID}`, agent: "plan", mode: "fork", outcome }
}

/** The caller's assistant message holding a completed `wait` call with this output. */
function waitCall(output: string, status = "completed"): Stored {
  return { info: { id: "msg_w", role: "assistant" }, parts: [{ type: "tool", tool: "session", state: { status, input: { mode: "wait" }, output } }] }
}

describe("waitTargets", () => {
  it("covers every started session whose answer has not reached the caller", () => {
    expect(waitTargets("ses_me", ["ses_a", "ses_b", "ses_c"], new Set(["ses_b"]), undefined)).toEqual({ ok: true, sessions: ["ses_a", "ses_c"] })
  })

  it("covers the named session even if its answer was reported already", () => {
    expect(waitTargets("ses_me", ["ses_a", "ses_b"], new Set(["ses_b"]), "ses_b")).toEqual({ ok: true, sessions: ["ses_b"] })
  })

  it("refuses to wait on the caller itself", () => {
    const result = waitTargets("ses_me", ["ses_a"], new Set(), "ses_me")
    expect(result.ok).toBe(false)
    expect(!result.ok && result.why).toContain("cannot wait for itself")
  })

  it("refuses a session the caller did not start, and names the ones it did", () => {
    const result = waitTargets("ses_me", ["ses_a", "ses_b"], new Set(), "ses_other")
    expect(!result.ok && result.why).toBe("ses_other is not a session you started. Sessions you started: ses_a, ses_b")
    const none = waitTargets("ses_me", [], new Set(), "ses_other")
    expect(!none.ok && none.why).toContain("You have started no sessions")
  })
})

describe("waitSeconds", () => {
  it("uses the call's timeout, else the fallback, and refuses one out of range", () => {
    expect(waitSeconds(undefined, 600)).toEqual({ ok: true, seconds: 600 })
    expect(waitSeconds(5, 600)).toEqual({ ok: true, seconds: 5 })
    for (const bad of [0, -1, MAX_WAIT_SECONDS + 1, Number.NaN]) expect(waitSeconds(bad, 600).ok).toBe(false)
    const text = waitSeconds("30", 600)
    expect(!text.ok && text.why).toBe('timeout must be a number of seconds, from 1 to 7200 (got "30")')
  })
})

describe("waitResult and reportedIn", () => {
  it("holds every finished answer, marked with its session, failures marked as such", () => {
    const sessions = [session("ses_a", { state: "idle", answer: "Approach A works." }), session("ses_b", { state: "failed", error: "APIError: 400" }), session("ses_c", undefined)]
    expect(allFinished(sessions)).toBe(true)
    const text = waitResult(sessions)
    expect(text.split("\n")[0]).toBe("Finished: 3 of 3 (ses_a, ses_b, ses_c).")
    expect(text).toContain('ses_a "Fork · plan: ses_a" (agent plan, fork):\nApproach A works.')
    expect(text).toContain("(Its turn failed: APIError: 400)")
    expect(text).toContain("(The session was deleted before it answered.)")
    expect(text).not.toContain("Still running")
  })

  it("at a timeout, names what still runs and leaves it out of the first line", () => {
    const sessions = [session("ses_a", { state: "idle", answer: "A." }), session("ses_b", { state: "working" })]
    expect(allFinished(sessions)).toBe(false)
    const text = waitResult(sessions, 30)
    expect(text.split("\n")[0]).toBe("Finished: 1 of 2 (ses_a).")
    expect(text).toContain('Still running after 30 s: ses_b "Fork · plan: ses_b" (agent plan).')
  })

  it("reads back, from the caller's stored messages, which answers its completed waits returned", () => {
    const done = waitCall(waitResult([session("ses_a", { state: "idle", answer: "A." }), session("ses_b", { state: "working" })], 30))
    const failed = waitCall("Finished: 1 of 1 (ses_x).", "error")
    const empty = waitCall(waitResult([session("ses_c", { state: "working" })], 5))
    expect([...reportedIn([done, failed, empty])]).toEqual(["ses_a"])
  })
})
