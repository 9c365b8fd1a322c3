/**
 * The TUI part in the real OpenCode TUI, driven in tmux with the scripted model: the sidebar
 * lists what the session started, the palette offers the jump commands (and their keys work),
 * and after a hand-off the prompt area says who took it and where the next message goes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callSession } from "../e2e/script.js"
import { startTui, type Tui } from "./tmux.js"

let tui: Tui

beforeAll(async () => {
  tui = await startTui()
  await tui.waitFor("Ask anything", 60_000)
})

afterAll(async () => {
  await tui?.stop()
})

function say(text: string) {
  tui.type(text)
  tui.keys("Enter")
}

describe("the TUI part", () => {
  it("lists the sessions this one started in the sidebar, with agent, state and report", async () => {
    say(callSession({ mode: "fork", agent: "plan", report: true, text: "@say Fork answered." }))
    await tui.waitFor("Started here (1)")
    say(callSession({ mode: "new", agent: "plan", text: "@say New answered." }))
    const screen = await tui.waitFor(/Started here \(2\)[\s\S]*New · plan: @say New answered[\s\S]*plan · idle/)
    expect(screen).toMatch(/Fork · plan: @say Fork answe[\s\S]*plan · idle · reported/)
  })

  it("offers the jump commands in the palette, with their keys", async () => {
    tui.keys("C-p")
    await tui.waitFor("Commands")
    tui.type("started")
    const palette = await tui.waitFor("Back to the session that started this one")
    expect(palette).toMatch(/Sessions started here\s+ctrl\+x o/)
    expect(palette).toMatch(/Back to the session that started this one\s+ctrl\+x p/)
    tui.keys("Escape")
    await tui.waitGone("Commands")
  })

  it("jumps to a started session and back to the one that started it", async () => {
    tui.keys("C-x", "o")
    await tui.waitFor(/Sessions started here[\s\S]*New · plan/)
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
    const screen = await tui.waitFor("plan took the hand-off")
    expect(screen).toContain("the prompt stays on build: Tab to answer plan")
  })
})
