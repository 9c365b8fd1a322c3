import { describe, expect, it } from "vitest"
import { isHeadlessRuleset } from "./headless.js"

describe("isHeadlessRuleset", () => {
  it("is true for the rules opencode run gives its session", () => {
    const run = [
      { permission: "question", action: "deny", pattern: "*" },
      { permission: "plan_enter", action: "deny", pattern: "*" },
      { permission: "plan_exit", action: "deny", pattern: "*" },
    ]
    expect(isHeadlessRuleset(run)).toBe(true)
  })

  it("is false for a session with no rules of its own, other rules, or rules allowing questions", () => {
    expect(isHeadlessRuleset(undefined)).toBe(false)
    expect(isHeadlessRuleset([])).toBe(false)
    expect(isHeadlessRuleset({ question: "deny" })).toBe(false)
    expect(isHeadlessRuleset([{ permission: "edit", action: "deny", pattern: "*" }])).toBe(false)
    expect(isHeadlessRuleset([{ permission: "question", action: "allow", pattern: "*" }, null])).toBe(false)
  })
})
