import { describe, expect, it } from "vitest"
import { evaluate, rulesForAgent, rulesFrom, wildcardMatch } from "./rules.js"

describe("wildcardMatch", () => {
  it("matches * against any run of characters and ? against one, over the whole text", () => {
    expect(wildcardMatch("new:build", "new:*")).toBe(true)
    expect(wildcardMatch("new:build", "*:build")).toBe(true)
    expect(wildcardMatch("fork:plan", "new:*")).toBe(false)
    expect(wildcardMatch("new:build", "new:b?ild")).toBe(true)
    expect(wildcardMatch("new:build", "new:b?")).toBe(false)
    expect(wildcardMatch("new:build", "new:build")).toBe(true)
    expect(wildcardMatch("xnew:build", "new:*")).toBe(false)
  })

  it("treats regular-expression characters in a pattern literally", () => {
    expect(wildcardMatch("new:a.b", "new:a.b")).toBe(true)
    expect(wildcardMatch("new:axb", "new:a.b")).toBe(false)
    expect(wildcardMatch("new:(x)", "new:(x)")).toBe(true)
  })
})

describe("rulesFrom", () => {
  it("reads a single action, a per-permission action and per-pattern actions, in written order", () => {
    expect(rulesFrom("deny", "g")).toEqual([{ permission: "*", pattern: "*", action: "deny", source: "g" }])
    expect(rulesFrom({ session: "ask", edit: { "*.md": "allow" } }, "g")).toEqual([
      { permission: "session", pattern: "*", action: "ask", source: "g" },
      { permission: "edit", pattern: "*.md", action: "allow", source: "g" },
    ])
  })

  it("ignores what is not a rule", () => {
    expect(rulesFrom(undefined, "g")).toEqual([])
    expect(rulesFrom({ session: 3, bash: { ls: "maybe" } }, "g")).toEqual([])
  })
})

describe("evaluate", () => {
  const config = {
    permission: { session: { "*": "allow", "new:*": "deny", "fork:*": "ask" } },
    agent: { plan: { permission: { session: { "new:*": "allow" } } }, quiet: { permission: { session: "deny" } } },
  }

  it("lets the last matching rule win, global first, then the calling agent's own", () => {
    expect(evaluate(rulesForAgent(config, "build"), "session", "new:build").action).toBe("deny")
    expect(evaluate(rulesForAgent(config, "build"), "session", "fork:plan").action).toBe("ask")
    expect(evaluate(rulesForAgent(config, "build"), "session", "message:plan").action).toBe("allow")
    expect(evaluate(rulesForAgent(config, "plan"), "session", "new:build").action).toBe("allow")
    expect(evaluate(rulesForAgent(config, "quiet"), "session", "message:plan").action).toBe("deny")
  })

  it("names the rule that decided, and allows when no rule matches", () => {
    const verdict = evaluate(rulesForAgent(config, "build"), "session", "new:build")
    expect(verdict.rule).toEqual({ permission: "session", pattern: "new:*", action: "deny", source: "permission" })
    expect(evaluate(rulesForAgent({}, "build"), "session", "new:build")).toEqual({ action: "allow" })
  })

  it("applies rules written for every permission (`*`) and for other permissions not at all", () => {
    expect(evaluate(rulesForAgent({ permission: { "*": "ask" } }, "build"), "session", "new:build").action).toBe("ask")
    expect(evaluate(rulesForAgent({ permission: { edit: "deny" } }, "build"), "session", "new:build").action).toBe("allow")
    expect(evaluate(rulesForAgent({ permission: "deny" }, "build"), "session", "new:build").action).toBe("deny")
  })
})
