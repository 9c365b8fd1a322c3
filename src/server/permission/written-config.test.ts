import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { configFiles, mergeDeep, parseJsonc, readWrittenPermissions } from "./written-config.js"
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

describe("parseJsonc", () => {
  it("reads comments and trailing commas, and keeps // and /* inside strings", () => {
    const text = `{
      // a comment
      "permission": { "session": { "new:*": "deny", /* inline */ "url": "http://x/*y*/", }, },
    }`
    expect(parseJsonc(text)).toEqual({ permission: { session: { "new:*": "deny", url: "http://x/*y*/" } } })
  })
})

describe("mergeDeep", () => {
  it("lets later values win and merges objects key by key, keeping the first order", () => {
    expect(mergeDeep({ session: { a: "allow", b: "ask" } }, { session: { b: "deny", c: "allow" } })).toEqual({
      session: { a: "allow", b: "deny", c: "allow" },
    })
    expect(Object.keys((mergeDeep({ s: { a: 1, b: 2 } }, { s: { b: 3 } }) as { s: object }).s)).toEqual(["a", "b"])
    expect(mergeDeep({ session: { a: "allow" } }, { session: "deny" })).toEqual({ session: "deny" })
  })
})

describe("configFiles", () => {
  it("lists global files first, then the project's from its root down to the directory", () => {
    const files = configFiles({ XDG_CONFIG_HOME: "/cfg" }, "/repo/packages/app", "/repo")
    const global = files.indexOf("/cfg/opencode/opencode.json")
    const root = files.indexOf("/repo/opencode.json")
    const app = files.indexOf("/repo/packages/app/opencode.json")
    expect(global).toBeGreaterThanOrEqual(0)
    expect(global).toBeLessThan(root)
    expect(root).toBeLessThan(app)
    expect(files).toContain("/repo/.opencode/opencode.json")
    expect(files.some((file) => file.startsWith("/opencode"))).toBe(false)
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
