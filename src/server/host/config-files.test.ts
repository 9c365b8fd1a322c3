import { describe, expect, it } from "vitest"
import { configFiles, parseJsonc, tuiConfigFiles } from "./config-files.js"

describe("parseJsonc", () => {
  it("reads comments and trailing commas, and keeps // and /* inside strings", () => {
    const text = `{
      // a comment
      "permission": { "session": { "new:*": "deny", /* inline */ "url": "http://x/*y*/", }, },
    }`
    expect(parseJsonc(text)).toEqual({ permission: { session: { "new:*": "deny", url: "http://x/*y*/" } } })
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

describe("tuiConfigFiles", () => {
  it("lists tui.json and tui.jsonc where OpenCode's TUI reads them: global, OPENCODE_TUI_CONFIG, the project's folders and .opencode/", () => {
    const files = tuiConfigFiles({ XDG_CONFIG_HOME: "/cfg", OPENCODE_TUI_CONFIG: "/elsewhere/my-tui.json" }, "/repo/packages/app", "/repo")
    expect(files.slice(0, 3)).toEqual(["/cfg/opencode/tui.json", "/cfg/opencode/tui.jsonc", "/elsewhere/my-tui.json"])
    expect(files).toEqual(
      expect.arrayContaining(["/repo/tui.json", "/repo/packages/app/tui.jsonc", "/repo/.opencode/tui.json", "/cfg/opencode/.opencode/tui.json"]),
    )
    expect(files.every((file) => /tui\.jsonc?$/.test(file))).toBe(true)
  })
})
