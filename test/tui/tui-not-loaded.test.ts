/**
 * A TUI part that the TUI cannot load is not silent: installed by name in a package whose TUI
 * entry is uncompiled JSX (how 0.1.0 shipped it, which OpenCode's TUI cannot load from its
 * cache), the server part notices that the TUI part never announced itself and says so, in a
 * toast in the TUI and in OpenCode's log, with what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packCheckout, packWithUncompiledTui, type Packed } from "../install/pack.js"
import { startRegistry, type Registry } from "../install/registry.js"
import { startTui, waitForLog, type Tui } from "./tmux.js"

let tui: Tui
let registry: Registry
const packs: Packed[] = []

beforeAll(async () => {
  const packed = await packCheckout()
  const broken = await packWithUncompiledTui(packed)
  packs.push(packed, broken)
  registry = await startRegistry()
  await registry.publish(broken.tarball, "uncompiled-tui")
  tui = await startTui({ install: { registry: registry.url, spec: `opencode-sessions@${broken.version}` } })
  await tui.waitFor("Ask anything", 90_000)
})

afterAll(async () => {
  await tui?.stop()
  await registry?.stop()
  for (const packed of packs) packed.remove()
})

describe("a TUI part that did not load", () => {
  it("is said to the person once they write: a toast in the TUI and a warning in OpenCode's log, with what to do", async () => {
    tui.type('@session {"mode":"status"}')
    tui.keys("Enter")
    // Watched from the message on: the toast shows for a few seconds, whenever the turn is.
    const screen = await tui.waitFor("TUI part did not load", 30_000)
    expect(screen).toMatch(/opencode-sessions/)
    const log = await waitForLog(tui.env, /its TUI part did not load in OpenCode's TUI, though \S*tui\.json lists it/)
    expect(log).toMatch(/reinstall with `opencode plugin opencode-sessions`/)
    expect(log).not.toMatch(/TUI part registered/)
    // The server part works all the same.
    await tui.waitFor("Sessions you started: none.")
  })
})
