/**
 * The TUI part in the real OpenCode TUI, driven in tmux with the scripted model, installed the
 * way people install it: OpenCode installs the packed package by name from a local registry
 * into a fresh cache (no checkout on any path it sees). The sidebar lists what the session
 * started, the palette offers the jump commands (and their keys work), and after a hand-off the
 * prompt area says who took it and where the next message goes.
 */
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callSession } from "../e2e/script.js"
import { packCheckout, type Packed } from "../install/pack.js"
import { startRegistry, type Registry } from "../install/registry.js"
import { startTui, waitForLog, type Tui } from "./tmux.js"

let tui: Tui
let registry: Registry
let packed: Packed

beforeAll(async () => {
  packed = await packCheckout()
  registry = await startRegistry()
  await registry.publish(packed.tarball)
  tui = await startTui({
    install: { registry: registry.url },
    agents: { worker: { mode: "primary", description: "Runs commands, each asked of the person.", permission: { bash: "ask" } } },
  })
  // OpenCode installs the package into its cache before the TUI is ready.
  await tui.waitFor("Ask anything", 90_000)
})

afterAll(async () => {
  await tui?.stop()
  await registry?.stop()
  packed?.remove()
})

function say(text: string) {
  tui.type(text)
  tui.keys("Enter")
}

describe("the TUI part, installed by name", () => {
  it("was installed by OpenCode into its cache, as a person gets it", () => {
    // OpenCode keeps an install per spec it resolved (here "opencode-sessions@latest").
    const packages = join(tui.env.XDG_CACHE_HOME!, "opencode", "packages")
    const installed = readdirSync(packages).filter((name) => existsSync(join(packages, name, "node_modules", "opencode-sessions", "dist", "tui", "index.js")))
    expect(installed.length, `no install of opencode-sessions in ${packages}: ${readdirSync(packages).join(", ")}`).toBeGreaterThan(0)
  })

  it("lists the sessions this one started in the sidebar, with agent, state and report", async () => {
    say(callSession({ mode: "fork", agent: "plan", report: true, text: "@say Fork answered." }))
    await tui.waitFor("Started here (1)")
    say(callSession({ mode: "new", agent: "plan", text: "@say New answered." }))
    await tui.waitFor(/Started here \(2\)[\s\S]*New \(plan\): @say New answe[\s\S]*plan · idle/)
    // The fork's report goes in once the caller's turn (the one that started New) has ended.
    await tui.waitFor(/Fork \(plan\): @say Fork ans[\s\S]*plan · idle · reported/)
  })

  it("offers the jump and stop commands in the palette, with their keys, and nothing else of its own", async () => {
    tui.keys("C-p")
    await tui.waitFor("Commands")
    tui.type("started")
    const palette = await tui.waitFor("Back to the session that started this one")
    expect(palette).toMatch(/Sessions started here\s+ctrl\+x o/)
    expect(palette).toMatch(/Back to the session that started this one\s+ctrl\+x p/)
    expect(palette).toMatch(/Stop the sessions started here\s+ctrl\+x k/)
    expect(palette).not.toMatch(/TUI part registered/)
    tui.keys("Escape")
    await tui.waitGone("Commands")
    tui.keys("C-p")
    await tui.waitFor("Commands")
    tui.type("asks you")
    expect(await tui.waitFor("Open the session that asks you")).toMatch(/Open the session that asks you\s+ctrl\+x j/)
    tui.keys("Escape")
    await tui.waitGone("Commands")
  })

  it("jumps to a started session and back to the one that started it", async () => {
    tui.keys("C-x", "o")
    await tui.waitFor(/Sessions started here[\s\S]*New \(plan\)/)
    tui.type("New")
    tui.keys("Enter")
    await tui.waitFor(/Started by build \(new\) in/)
    tui.keys("C-x", "p")
    await tui.waitFor("Started here (2)")
  })

  it("shows a hand-off queued here while the turn that queued it still runs", async () => {
    tui.type(callSession({ mode: "message", agent: "plan", text: "@say Queued one delivered." }))
    tui.keys("C-j") // a new line in the prompt: the caller keeps working after its call
    tui.type("@after-tool @delay 4000")
    tui.keys("Enter")
    const screen = await tui.waitFor("Queued here (1)")
    expect(screen).toContain("• message → plan: @say Queued one")
    await tui.waitGone("Queued here (1)", 20_000)
    await tui.waitFor("Queued one delivered.")
  })

  it("after a hand-off to plan, says beside the prompt that plan took it and where the next message goes", async () => {
    say(callSession({ mode: "message", agent: "plan", text: "@say Plan took it." }))
    await tui.waitFor(/^\s*Plan took it\.\s*$/m) // plan's answer on its own line, not the call that holds the words
    const screen = await tui.waitFor("plan took the hand-off")
    expect(screen).toContain("the prompt stays on build: Tab to answer plan")
  })

  it("stops the sessions started here with its key: the running one stops, the sidebar and a toast say so", async () => {
    say(callSession({ mode: "new", agent: "plan", text: "Long job\n@delay 60000" }))
    await tui.waitFor(/New \(plan\): Long job[\s\S]*plan · working/)
    tui.keys("C-x", "k")
    const screen = await tui.waitFor(/Stopped 1 session started here: New \(plan\): Long job/)
    expect(screen).not.toMatch(/Unknown command|not found/i)
    await tui.waitFor(/New \(plan\): Long job[\s\S]*plan · stopped/)
  })

  it("marks a started session that asks the person, toasts it, and ctrl+x j opens it, where OpenCode's own prompt takes the answer", async () => {
    say(callSession({ mode: "new", agent: "worker", report: true, text: "Run it\n@bash echo tui-ask\n@after-tool @say Ran it after approval." }))
    const screen = await tui.waitFor(/! New \(worker\): Run it[\s\S]*worker · asks you/)
    expect(screen).toContain("bash: echo tui-ask")
    await tui.waitFor("waits for you")
    tui.keys("C-x", "j")
    await tui.waitFor(/Started by build \(new\) in/)
    await tui.waitFor(/Permission required|Allow once/)
    tui.keys("Enter") // OpenCode's own prompt: allow once
    await tui.waitFor("Ran it after approval.")
    tui.keys("C-x", "p")
    await tui.waitFor(/New \(worker\): Run it[\s\S]*worker · idle · reported/)
  })

  it("names a team's sessions in the sidebar, and says which one waits for which until it may begin", async () => {
    say(callSession({ mode: "new", agent: "plan", name: "digger", text: "Dig\n@delay 8000\n@say Dug it." }))
    await tui.waitFor(/digger - New \(plan\): Dig[\s\S]*plan · working/)
    say(callSession({ mode: "new", agent: "plan", name: "checker", after: "digger", text: "Check\n@say Checked it." }))
    await tui.waitFor(/checker - New \(plan\): Check[\s\S]*plan · waits for digger/)
    await tui.waitFor(/checker - New \(plan\): Check[\s\S]*plan · idle/, 60_000)
  })

  it("said in OpenCode's log that it registered, and the server part never warned that it did not load", async () => {
    const log = await waitForLog(tui.env, /opencode-sessions: TUI part registered/)
    expect(log).not.toMatch(/TUI part did not load/)
  })
})
