import { describe, expect, it } from "vitest"
import type { Answered } from "./gather.js"
import { MAX_WAIT_SECONDS, waitIsOver, waitSeconds, waitTargets } from "./wait.js"

function session(sessionID: string, state: Answered["state"]): Answered {
  return { key: sessionID, sessionID, title: `Fork (plan): ${sessionID}`, agent: "plan", mode: "fork", state }
}

/** Each session's first turn, as a wait sees the answers owed. */
const firsts = (...ids: string[]) => ids.map((id) => ({ key: id, sessionID: id }))

describe("waitTargets", () => {
  it("covers every answer that has not reached the caller", () => {
    expect(waitTargets("ses_me", firsts("ses_a", "ses_b", "ses_c"), new Set(["ses_b"]), undefined)).toEqual({ ok: true, keys: ["ses_a", "ses_c"] })
  })

  it("covers the named session even if its answer was reported already", () => {
    expect(waitTargets("ses_me", firsts("ses_a", "ses_b"), new Set(["ses_b"]), "ses_b")).toEqual({ ok: true, keys: ["ses_b"] })
  })

  it("covers a follow-up's turn like a first turn: all open ones of the named session, else its latest again", () => {
    const owed = [...firsts("ses_a", "ses_b"), { key: "ses_a/fu1", sessionID: "ses_a" }, { key: "ses_a/fu2", sessionID: "ses_a" }]
    expect(waitTargets("ses_me", owed, new Set(["ses_a", "ses_b"]), undefined)).toEqual({ ok: true, keys: ["ses_a/fu1", "ses_a/fu2"] })
    expect(waitTargets("ses_me", owed, new Set(["ses_a"]), "ses_a")).toEqual({ ok: true, keys: ["ses_a/fu1", "ses_a/fu2"] })
    expect(waitTargets("ses_me", owed, new Set(["ses_a", "ses_a/fu1", "ses_a/fu2"]), "ses_a")).toEqual({ ok: true, keys: ["ses_a/fu2"] })
  })

  it("refuses to wait on the caller itself", () => {
    expect(waitTargets("ses_me", firsts("ses_a"), new Set(), "ses_me")).toEqual({ ok: false, refused: "self" })
  })

  it("refuses a session the caller did not start", () => {
    expect(waitTargets("ses_me", firsts("ses_a", "ses_b"), new Set(), "ses_other")).toEqual({ ok: false, refused: "not-started" })
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

describe("waitIsOver", () => {
  const nobodyAsks = () => false
  it("is true once every session has an answer, failed, or is gone", () => {
    const over = [session("ses_a", { state: "answered" }), session("ses_b", { state: "failed", error: "x" }), session("ses_c", { state: "deleted" })]
    expect(waitIsOver(over, nobodyAsks)).toBe(true)
    expect(waitIsOver([session("ses_a", { state: "answered" }), session("ses_b", { state: "running" })], nobodyAsks)).toBe(false)
    expect(waitIsOver([session("ses_a", { state: "stopped", by: "caller" })], nobodyAsks)).toBe(true)
    expect(waitIsOver([session("ses_a", { state: "cut-off" })], nobodyAsks)).toBe(false)
  })

  it("is true too once the ones still running wait on the person (themselves, or a session they started)", () => {
    const asking = (sessionID: string) => sessionID === "ses_b"
    expect(waitIsOver([session("ses_a", { state: "answered" }), session("ses_b", { state: "running" })], asking)).toBe(true)
    expect(waitIsOver([session("ses_b", { state: "running" }), session("ses_c", { state: "running" })], asking)).toBe(false)
  })
})
