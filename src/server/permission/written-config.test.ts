import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { mergeDeep, readWrittenPermissions } from "./written-config.js"
import { evaluate, rulesForAgent } from "./rules.js"

const scratch: string[] = []
afterEach(() => {
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), "opencode-sessions-config-"))
  scratch.push(made)
  return made
}

describe("mergeDeep", () => {
  it("lets later values win and merges objects key by key, keeping the first order", () => {
    expect(mergeDeep({ session: { a: "allow", b: "ask" } }, { session: { b: "deny", c: "allow" } })).toEqual({
      session: { a: "allow", b: "deny", c: "allow" },
    })
    expect(Object.keys((mergeDeep({ s: { a: 1, b: 2 } }, { s: { b: 3 } }) as { s: object }).s)).toEqual(["a", "b"])
    expect(mergeDeep({ session: { a: "allow" } }, { session: "deny" })).toEqual({ session: "deny" })
  })
})

describe("readWrittenPermissions", () => {
  it("merges the global and project files so that the project's rules win", () => {
    const root = folder()
    mkdirSync(join(root, "cfg", "opencode"), { recursive: true })
    mkdirSync(join(root, "project"), { recursive: true })
    writeFileSync(join(root, "cfg", "opencode", "opencode.json"), JSON.stringify({ permission: { session: { "*": "allow", "new:*": "ask" } } }))
    writeFileSync(
      join(root, "project", "opencode.jsonc"),
      `// project\n{ "permission": { "session": { "new:*": "deny" } }, "agent": { "plan": { "permission": { "session": "ask" } } } }`,
    )
    const written = readWrittenPermissions({ XDG_CONFIG_HOME: join(root, "cfg") }, join(root, "project"), join(root, "project"))
    expect(evaluate(rulesForAgent(written, "build"), "session", "new:build").action).toBe("deny")
    expect(evaluate(rulesForAgent(written, "build"), "session", "fork:build").action).toBe("allow")
    expect(evaluate(rulesForAgent(written, "plan"), "session", "fork:build").action).toBe("ask")
  })

  it("names the file it cannot read", () => {
    const root = folder()
    writeFileSync(join(root, "opencode.json"), "{ not json")
    expect(() => readWrittenPermissions({ XDG_CONFIG_HOME: join(root, "none") }, root, root)).toThrow(join(root, "opencode.json"))
  })
})
