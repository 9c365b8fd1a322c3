import { describe, expect, it } from "vitest"
import type { Spent } from "../../core/outcome.js"
import type { StartMarker } from "../../core/protocol.js"
import type { Notifier } from "../host/notify.js"
import type { LineageStore } from "./lineage-store.js"
import type { StopReason, StopResult, Stopper } from "./stopper.js"
import { TokenLimit } from "./token-limit.js"

const marker: StartMarker = {
  kind: "start",
  fromAgent: "build",
  fromSession: "ses_caller",
  mode: "new",
  agent: "plan",
  report: "each",
  call: "a1",
  title: "New (plan): look",
}

const tokens = (input: number, output: number): Spent => ({ input, output, cost: 0 })

/** Lets the check (a chain of promises nobody awaits) run to its end. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * A fake lineage and stopper. `started` lists the sessions the tool started; `spent` gives each
 * one's tokens (a promise, to hold a read in flight); `was` is what the stop answers.
 */
type Setup = { maxTokens?: number; started?: string[]; spent?: (sessionID: string) => Promise<Spent> | Spent; was?: StopResult["was"]; markerFails?: boolean }

function setup({ maxTokens = 100, started = [], spent = () => tokens(0, 0), was = "running", markerFails = false }: Setup = {}) {
  const stops: Array<[string, readonly string[], StopReason]> = []
  const warnings: string[] = []
  const reads: string[] = []
  const lineage = {
    markerOf: async (sessionID: string) => {
      reads.push(sessionID)
      if (markerFails) throw new Error("store unreachable")
      return started.includes(sessionID) ? marker : undefined
    },
    spent: async (sessionID: string) => spent(sessionID),
  } as unknown as LineageStore
  const stopper = {
    stop: async (callerID: string, sessionIDs: readonly string[], reason: StopReason) => {
      stops.push([callerID, sessionIDs, reason])
      return sessionIDs.map((sessionID) => ({ sessionID, was, droppedFollowUps: 0 }))
    },
  } as unknown as Stopper
  const notifier = { warn: (message: string) => void warnings.push(message) } as unknown as Notifier
  return { limit: new TokenLimit({ lineage, stopper, notifier, maxTokens }), stops, warnings, reads }
}

describe("TokenLimit", () => {
  it("reads nothing and stops nothing when maxTokens is 0", async () => {
    const { limit, stops, reads } = setup({ maxTokens: 0, started: ["ses_tl_off"], spent: () => tokens(1_000, 1_000) })
    limit.stepBegins("ses_tl_off")
    await settle()
    expect(reads).toEqual([])
    expect(stops).toEqual([])
  })

  it("stops nothing in a session the tool did not start", async () => {
    const { limit, stops, reads, warnings } = setup({ spent: () => tokens(1_000, 1_000) })
    limit.stepBegins("ses_tl_person")
    await settle()
    expect(reads).toEqual(["ses_tl_person"])
    expect(stops).toEqual([])
    expect(warnings).toEqual([])
  })

  it("stops nothing while the session's input and output are at or under the limit", async () => {
    const { limit, stops } = setup({ started: ["ses_tl_under"], spent: () => tokens(60, 40) })
    limit.stepBegins("ses_tl_under")
    await settle()
    limit.stepBegins("ses_tl_under")
    await settle()
    expect(stops).toEqual([])
  })

  it("stops a session over the limit, as its caller's, saying the limit and what it used, and warns the person", async () => {
    const { limit, stops, warnings } = setup({ started: ["ses_tl_over"], spent: () => tokens(60, 41) })
    limit.stepBegins("ses_tl_over")
    await settle()
    expect(stops).toEqual([["ses_caller", ["ses_tl_over"], { by: "max-tokens", limit: 100, used: 101 }]])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(marker.title)
    expect(warnings[0]).toContain("101")
  })

  it("does not warn when the stop finds the session finished already", async () => {
    const { limit, stops, warnings } = setup({ started: ["ses_tl_done"], spent: () => tokens(200, 0), was: "finished" })
    limit.stepBegins("ses_tl_done")
    await settle()
    expect(stops).toHaveLength(1)
    expect(warnings).toEqual([])
  })

  it("checks once while a check of the same session is in flight, then again for its next step", async () => {
    let release: (spent: Spent) => void = () => undefined
    const held = new Promise<Spent>((resolve) => (release = resolve))
    let calls = 0
    const spent = () => (++calls === 1 ? held : tokens(300, 0))
    const { limit, stops, reads } = setup({ started: ["ses_tl_busy"], spent })
    limit.stepBegins("ses_tl_busy")
    limit.stepBegins("ses_tl_busy")
    await settle()
    expect(reads).toEqual(["ses_tl_busy"])
    release(tokens(150, 0))
    await settle()
    expect(stops.map(([, , reason]) => reason)).toEqual([{ by: "max-tokens", limit: 100, used: 150 }])
    limit.stepBegins("ses_tl_busy")
    await settle()
    expect(reads).toEqual(["ses_tl_busy", "ses_tl_busy"])
    expect(stops.map(([, , reason]) => reason.used)).toEqual([150, 300])
  })

  it("warns, and does not throw, when the session cannot be read; the next step checks again", async () => {
    const { limit, stops, warnings, reads } = setup({ started: ["ses_tl_fails"], markerFails: true })
    limit.stepBegins("ses_tl_fails")
    await settle()
    expect(stops).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("ses_tl_fails")
    expect(warnings[0]).toContain("store unreachable")
    limit.stepBegins("ses_tl_fails")
    await settle()
    expect(reads).toEqual(["ses_tl_fails", "ses_tl_fails"])
  })
})
