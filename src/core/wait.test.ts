import { describe, expect, it } from "vitest"
import type { Answered } from "./gather.js"
import { allFinished, MAX_WAIT_SECONDS, waitSeconds, waitTargets } from "./wait.js"

function session(sessionID: string, outcome: Answered["outcome"]): Answered {
  return { sessionID, title: `Fork (plan): ${sessionID}`, agent: "plan", mode: "fork", outcome }
}

describe("waitTargets", () => {
  it("covers every started session whose answer has not reached the caller", () => {
    expect(waitTargets("ses_me", ["ses_a", "ses_b", "ses_c"], new Set(["ses_b"]), undefined)).toEqual({ ok: true, sessions: ["ses_a", "ses_c"] })
  })

  it("covers the named session even if its answer was reported already", () => {
    expect(waitTargets("ses_me", ["ses_a", "ses_b"], new Set(["ses_b"]), "ses_b")).toEqual({ ok: true, sessions: ["ses_b"] })
  })

  it("refuses to wait on the caller itself", () => {
    expect(waitTargets("ses_me", ["ses_a"], new Set(), "ses_me")).toEqual({ ok: false, refused: "self" })
  })

  it("refuses a session the caller did not start", () => {
    expect(waitTargets("ses_me", ["ses_a", "ses_b"], new Set(), "ses_other")).toEqual({ ok: false, refused: "not-started" })
    expect(waitTargets("ses_me", [], new Set(), "ses_other")).toEqual({ ok: false, refused: "not-started" })
  })
})

describe("waitSeconds", () => {
  it("uses the call's timeout, else the fallback, and refuses one out of range", () => {
    expect(waitSeconds(undefined, 600)).toEqual({ ok: true, seconds: 600 })
    expect(waitSeconds(5, 600)).toEqual({ ok: true, seconds: 5 })
    for (const bad of [0, -1, MAX_WAIT_SECONDS + 1, Number.NaN, "30"]) expect(waitSeconds(bad, 600).ok).toBe(false)
  })
})

describe("allFinished", () => {
  it("is true once every session has an answer, failed, or is gone", () => {
    expect(
      allFinished([session("ses_a", { state: "idle", answer: "A" }), session("ses_b", { state: "failed", error: "x" }), session("ses_c", undefined)]),
    ).toBe(true)
    expect(allFinished([session("ses_a", { state: "idle", answer: "A" }), session("ses_b", { state: "working" })])).toBe(false)
  })
})
