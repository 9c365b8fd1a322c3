import { MODES } from "./schema.js"
import { describe, expect, it } from "vitest"
import type { AgentInfo } from "../opencode/client.js"
import { FALLBACK_DESCRIPTION, shortDescription, toolDescription } from "./description.js"

function agent(name: string, description?: string): AgentInfo {
  return { name, description, mode: "primary", builtIn: false, permission: { edit: "allow", bash: {} }, tools: {}, options: {} }
}

/** The text between `name (` and the closing `)` in a description. */
function wordsFor(description: string, name: string): string[] {
  const match = new RegExp(`\\b${name} \\(([^)]*)\\)`).exec(description)
  expect(match, `no entry for ${name}`).not.toBeNull()
  return (match?.[1] ?? "").replace(/…$/, "").split(" ")
}

const SIX = [
  agent("build", "The default agent that executes tools based on configured permissions."),
  agent("plan", "Plan mode that disallows all edit tools and only reads code."),
  agent("reviewer", "Reviews code changes for bugs, style problems and missing tests carefully."),
  agent("docs", "Writes and updates project documentation, READMEs and API reference pages."),
  agent("frontend", "Builds user interface components with React, CSS and accessibility in mind."),
  agent("release", "Prepares releases, changelogs and version bumps, then tags the repository."),
]

describe("shortDescription", () => {
  it("keeps a description of at most `words` words whole, without trailing punctuation", () => {
    expect(shortDescription("Plan mode. Disallows all edit tools.", 6)).toBe("Plan mode. Disallows all edit tools")
  })

  it("cuts a longer description to `words` words and marks the cut with an ellipsis", () => {
    expect(shortDescription("one two three four five six seven eight", 6)).toBe("one two three four five six…")
  })

  it("drops punctuation at the cut before the ellipsis", () => {
    expect(shortDescription("one two three four five six, seven", 6)).toBe("one two three four five six…")
  })

  it("by default keeps at most six words", () => {
    const short = shortDescription("one two three four five six seven eight nine ten")
    expect(short.endsWith("…")).toBe(true)
    const words = short.replace(/…$/, "").split(" ")
    expect(words.length).toBeGreaterThan(0)
    expect(words.length).toBeLessThanOrEqual(6)
    expect(words).toEqual(["one", "two", "three", "four", "five", "six"].slice(0, words.length))
  })

  it("flattens whitespace and honours a custom word count", () => {
    expect(shortDescription("  a\n\tb   c  d ", 2)).toBe("a b…")
  })

  it("returns an empty string for a missing or blank description", () => {
    expect(shortDescription(undefined)).toBe("")
    expect(shortDescription("   \n ")).toBe("")
  })
})

describe("toolDescription", () => {
  it("names every target agent with at most six words of its description", () => {
    const description = toolDescription(SIX)
    for (const target of SIX) {
      const words = wordsFor(description, target.name)
      expect(words.length).toBeGreaterThan(0)
      expect(words.length).toBeLessThanOrEqual(6)
      // The words are the start of the agent's own description.
      expect(target.description?.startsWith(words.join(" "))).toBe(true)
    }
  })

  it("stays under 700 characters with six agents of realistic descriptions", () => {
    for (const target of SIX) expect(target.description?.split(" ").length).toBeGreaterThanOrEqual(10)
    expect(toolDescription(SIX).length).toBeLessThan(700)
  })

  it("describes every mode", () => {
    const description = toolDescription(SIX)
    for (const mode of MODES) expect(description).toMatch(new RegExp(`\\b${mode}\\b`))
  })

  it("names an agent without a description by its name alone", () => {
    const description = toolDescription([agent("solo"), agent("build", "Builds things.")])
    expect(description).toMatch(/Agents: solo; build \(Builds things\)\.$/)
  })

  it("says when no agent is available", () => {
    expect(toolDescription([])).toMatch(/Agents: none available\.$/)
  })

  it("the fallback shares the mode text but lists no agents", () => {
    const modes = toolDescription([]).replace(/ Agents: none available\.$/, "")
    expect(FALLBACK_DESCRIPTION.startsWith(modes)).toBe(true)
    expect(FALLBACK_DESCRIPTION).not.toContain("Agents:")
  })
})
