import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type { Event } from "@opencode-ai/sdk"
import { afterEach, describe, expect, it } from "vitest"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { TUI_PART_REGISTERED } from "../../core/protocol.js"
import { OpencodeEvents } from "../lifecycle/opencode-events.js"
import { TuiPartAnnounced } from "../lifecycle/signals.js"
import { shared } from "./process.js"
import { namesThisPackage, TuiPartWatch, tuiPartListedIn, type TuiPartState } from "./tui-part.js"

const scratch: string[] = []
afterEach(() => {
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), "opencode-sessions-tui-part-"))
  scratch.push(made)
  return made
}

function write(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true })
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value))
}

describe("namesThisPackage", () => {
  it("knows the package by name, with a version or options, and by a folder whose package.json names it", () => {
    const root = folder()
    write(join(root, "checkout", "package.json"), { name: "opencode-sessions" })
    write(join(root, "other", "package.json"), { name: "opencode-other" })
    expect(namesThisPackage("opencode-sessions", root)).toBe(true)
    expect(namesThisPackage("opencode-sessions@0.2.0", root)).toBe(true)
    expect(namesThisPackage(["opencode-sessions", { x: 1 }], root)).toBe(true)
    expect(namesThisPackage(pathToFileURL(join(root, "checkout")).href, "/anywhere")).toBe(true)
    expect(namesThisPackage("./checkout", root)).toBe(true)
    expect(namesThisPackage("./other", root)).toBe(false)
    expect(namesThisPackage("opencode-sessions-extra", root)).toBe(false)
    expect(namesThisPackage("@acme/opencode-sessions", root)).toBe(false)
    expect(namesThisPackage(42, root)).toBe(false)
  })
})

describe("tuiPartListedIn", () => {
  function setup() {
    const root = folder()
    const env = { XDG_CONFIG_HOME: join(root, "config"), XDG_STATE_HOME: join(root, "state") }
    const project = join(root, "project")
    mkdirSync(project, { recursive: true })
    return { root, env, project }
  }

  it("names the tui.json that lists the package, global or project", () => {
    const { env, project, root } = setup()
    expect(tuiPartListedIn(env, project, project)).toBeUndefined()
    write(join(root, "config", "opencode", "tui.json"), { plugin: ["opencode-sessions"] })
    expect(tuiPartListedIn(env, project, project)).toBe(join(root, "config", "opencode", "tui.json"))
    write(join(project, ".opencode", "tui.jsonc"), `{ // comment\n "plugin": [["opencode-sessions@latest", {}]], }`)
    expect(tuiPartListedIn(env, project, project)).toBe(join(project, ".opencode", "tui.jsonc"))
  })

  it("is undefined when the person turned the TUI part off, in tui.json or from the TUI's plugin list", () => {
    const { env, project, root } = setup()
    write(join(project, "tui.json"), { plugin: ["opencode-sessions"], plugin_enabled: { "opencode-sessions": false } })
    expect(tuiPartListedIn(env, project, project)).toBeUndefined()
    write(join(project, "tui.json"), { plugin: ["opencode-sessions"] })
    write(join(root, "state", "opencode", "kv.json"), { plugin_enabled: { "opencode-sessions": false } })
    expect(tuiPartListedIn(env, project, project)).toBeUndefined()
    write(join(root, "state", "opencode", "kv.json"), { plugin_enabled: { "opencode-sessions": true } })
    expect(tuiPartListedIn(env, project, project)).toBe(join(project, "tui.json"))
  })

  it("skips a file OpenCode cannot parse, as OpenCode does", () => {
    const { env, project } = setup()
    write(join(project, "tui.json"), "{ not json")
    expect(tuiPartListedIn(env, project, project)).toBeUndefined()
  })
})

describe("TuiPartWatch", () => {
  function watch(options: { listed?: string; headless?: boolean; state?: TuiPartState } = {}) {
    const warnings: string[] = []
    const state: TuiPartState = options.state ?? { registered: false, checked: false }
    const headless = { value: options.headless ?? false }
    const tui = new TuiPartWatch({
      listedIn: () => ("listed" in options ? options.listed : "/project/tui.json"),
      isHeadless: async () => headless.value,
      warn: (message) => void warnings.push(message),
      graceMs: 20,
      state,
    })
    return { tui, warnings, state, headless }
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 60))

  /** OpenCode's events reach the watch as the plugin connects them (server/services.ts): translated once, then as the announcement's signal. */
  function hearing(tui: TuiPartWatch) {
    const { bus, lifecycle, names } = lifecycleOver(fakeOpencode({}))
    bus.on(TuiPartAnnounced, () => tui.registered())
    const events = new OpencodeEvents(lifecycle, bus)
    return { hear: (event: unknown) => events.event(event as Event), names }
  }

  it("warns once, naming the file and what to do, when the TUI part never announced itself", async () => {
    const { tui, warnings, state } = watch()
    tui.personWrote("ses_1")
    tui.personWrote("ses_2")
    await settle()
    tui.personWrote("ses_3")
    await settle()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/TUI part did not load in OpenCode's TUI, though \/project\/tui\.json lists it/)
    expect(warnings[0]).toMatch(/opencode plugin opencode-sessions/)
    expect(state).toEqual({ registered: false, checked: true })
  })

  it("says nothing once the TUI part announced itself, before or during the grace", async () => {
    const before = watch()
    before.tui.registered()
    before.tui.personWrote("ses_1")
    await settle()
    const during = watch()
    during.tui.personWrote("ses_1")
    during.tui.registered()
    await settle()
    expect([...before.warnings, ...during.warnings]).toEqual([])
    expect(before.state.registered).toBe(true)
  })

  it("hears the announcement among OpenCode's events, and only it: not other commands, nor another event carrying its name", async () => {
    const announced = watch()
    const heard = hearing(announced.tui)
    heard.hear({ type: "tui.command.execute", properties: { command: TUI_PART_REGISTERED } })
    announced.tui.personWrote("ses_1")
    const other = watch()
    const otherHeard = hearing(other.tui)
    otherHeard.hear({ type: "tui.command.execute", properties: { command: "session.new" } })
    otherHeard.hear({ type: "session.idle", properties: { sessionID: "ses_x", command: TUI_PART_REGISTERED } })
    other.tui.personWrote("ses_1")
    await settle()
    expect(heard.names()).toEqual(["tui-part.announced"])
    expect(otherHeard.names()).not.toContain("tui-part.announced")
    expect(announced.warnings).toEqual([])
    expect(other.warnings).toHaveLength(1)
  })

  it("keeps one answer for the whole process unless given its own: an announcement one copy heard holds for every copy", async () => {
    const saved = { ...shared().tuiPart }
    try {
      Object.assign(shared().tuiPart, { registered: false, checked: false })
      const deps = { listedIn: () => "/project/tui.json", isHeadless: async () => false, graceMs: 20 }
      const warnings: string[] = []
      const first = new TuiPartWatch({ ...deps, warn: (message) => void warnings.push(message) })
      const second = new TuiPartWatch({ ...deps, warn: (message) => void warnings.push(message) })
      first.registered()
      second.personWrote("ses_1")
      await settle()
      expect(warnings).toEqual([])
      expect(shared().tuiPart.registered).toBe(true)
      // Checked by one copy: another copy does not warn a second time.
      Object.assign(shared().tuiPart, { registered: false, checked: false })
      first.personWrote("ses_1")
      second.personWrote("ses_2")
      await settle()
      expect(warnings).toHaveLength(1)
    } finally {
      Object.assign(shared().tuiPart, saved)
    }
  })

  it("says nothing when no tui.json lists it, and waits for a message from a TUI when the first is headless", async () => {
    const unlisted = watch({ listed: undefined })
    unlisted.tui.personWrote("ses_1")
    await settle()
    expect(unlisted.warnings).toEqual([])

    const { tui, warnings, headless } = watch({ headless: true })
    tui.personWrote("ses_run")
    await settle()
    expect(warnings).toEqual([])
    headless.value = false
    tui.personWrote("ses_tui")
    await settle()
    expect(warnings).toHaveLength(1)
  })

  it("says so when it cannot tell, rather than failing silently", async () => {
    const warnings: string[] = []
    const tui = new TuiPartWatch({
      listedIn: () => {
        throw new Error("EACCES: tui.json")
      },
      isHeadless: async () => false,
      warn: (message) => void warnings.push(message),
      graceMs: 5,
      state: { registered: false, checked: false },
    })
    tui.personWrote("ses_1")
    await settle()
    expect(warnings).toEqual(["opencode-sessions: could not check whether its TUI part loaded: EACCES: tui.json"])
  })
})
