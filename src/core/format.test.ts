import { describe, expect, it } from "vitest"
import { excerpt, sessionTitle } from "./format.js"

describe("excerpt", () => {
  it("keeps a short text whole, on one line", () => {
    expect(excerpt("  Fix\n the   bug  ", 40)).toBe("Fix the bug")
  })

  it("keeps a text of exactly max characters without an ellipsis", () => {
    expect(excerpt("abcde", 5)).toBe("abcde")
  })

  it("cuts a longer text to max characters, ending in an ellipsis", () => {
    const cut = excerpt("abcdefghij", 5)
    expect(cut).toBe("abcd…")
    expect(cut.length).toBe(5)
  })

  it("does not leave a space before the ellipsis", () => {
    expect(excerpt("abc defgh", 5)).toBe("abc…")
  })
})

describe("sessionTitle", () => {
  it("names the mode, the agent and the task's first non-empty line, in plain ASCII", () => {
    const title = sessionTitle("new", "build", "\n\nWrite the migration\nthen run it")
    expect(title).toBe("New (build): Write the migration")
    expect(sessionTitle("fork", "plan", "Try the other approach")).toBe("Fork (plan): Try the other approach")
  })

  it("stays short when the task is long, cut with an ASCII ellipsis", () => {
    const title = sessionTitle("new", "build", "word ".repeat(100))
    expect(title.startsWith("New (build): word")).toBe(true)
    expect(title.endsWith("...")).toBe(true)
    expect(title.length).toBeLessThanOrEqual("New (build): ".length + 50)
  })
})
