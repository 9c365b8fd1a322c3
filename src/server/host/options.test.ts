import { describe, expect, it } from "vitest"
import { DEFAULT_WAIT_SECONDS } from "../../core/wait.js"
import { DEFAULT_MAX_AUTOMATIC_HANDOFFS, DEFAULT_MAX_DEPTH, DEFAULT_MAX_RUNNING, readOptions } from "./options.js"

const DEFAULTS = {
  maxAutomaticHandoffs: DEFAULT_MAX_AUTOMATIC_HANDOFFS,
  toasts: true,
  report: false,
  reports: "together",
  maxRunning: DEFAULT_MAX_RUNNING,
  isolation: "none",
  waitTimeout: DEFAULT_WAIT_SECONDS,
  stopWithCaller: true,
  maxTokens: 0,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxTreeTokens: 0,
}
const VALID_SHAPE =
  '{ maxAutomaticHandoffs: integer 1–1000, toasts: boolean, report: boolean, reports: "together" | "each", maxRunning: integer 1–64, isolation: "none" | "worktree", waitTimeout: seconds 1–7200, stopWithCaller: boolean, maxTokens: integer ≥ 0 (0: no limit), maxDepth: integer 1–16, maxTreeTokens: integer ≥ 0 (0: no limit) }'

describe("readOptions", () => {
  it.each([undefined, null, {}])("uses the defaults without a problem when given %s", (raw) => {
    expect(readOptions(raw)).toEqual({ options: DEFAULTS })
  })

  it("accepts valid values, including the bounds of maxAutomaticHandoffs", () => {
    const given = {
      maxAutomaticHandoffs: 3,
      toasts: false,
      report: true,
      reports: "each",
      maxRunning: 2,
      waitTimeout: 30,
      stopWithCaller: false,
      maxTokens: 50_000,
    }
    expect(readOptions(given)).toEqual({ options: { ...given, isolation: "none", maxDepth: DEFAULT_MAX_DEPTH, maxTreeTokens: 0 } })
    expect(readOptions({ maxAutomaticHandoffs: 1 }).options.maxAutomaticHandoffs).toBe(1)
    expect(readOptions({ maxAutomaticHandoffs: 1000 }).options.maxAutomaticHandoffs).toBe(1000)
  })

  it("fills the options not given with their defaults", () => {
    expect(readOptions({ report: true })).toEqual({ options: { ...DEFAULTS, report: true } })
  })

  it.each([
    ["maxAutomaticHandoffs: 0", { maxAutomaticHandoffs: 0 }, "maxAutomaticHandoffs"],
    ["maxAutomaticHandoffs: 1001", { maxAutomaticHandoffs: 1001 }, "maxAutomaticHandoffs"],
    ["maxAutomaticHandoffs: 2.5", { maxAutomaticHandoffs: 2.5 }, "maxAutomaticHandoffs"],
    ['toasts: "yes"', { toasts: "yes" }, "toasts"],
    ["maxTokens: -1", { maxTokens: -1 }, "maxTokens"],
    ['stopWithCaller: "no"', { stopWithCaller: "no" }, "stopWithCaller"],
    ['report: "true"', { report: "true" }, "report"],
    ['reports: "all"', { reports: "all" }, "reports"],
    ["waitTimeout: 0", { waitTimeout: 0 }, "waitTimeout"],
    ["maxRunning: 0", { maxRunning: 0 }, "maxRunning"],
    ["an unknown key", { maxHandoffs: 3 }, "maxHandoffs"],
  ])("with %s returns the defaults and a problem naming the key and the valid shape", (_label, raw, key) => {
    const { options, problem } = readOptions(raw)
    expect(options).toEqual(DEFAULTS)
    expect(problem).toContain(key)
    expect(problem).toContain(VALID_SHAPE)
    expect(problem).toContain("Using the defaults for those")
  })

  it("keeps the valid options when one of several is bad, and uses the default for the bad one", () => {
    const { options, problem } = readOptions({ maxAutomaticHandoffs: 3, toasts: "no" })
    expect(options).toEqual({ ...DEFAULTS, maxAutomaticHandoffs: 3 })
    // Only the bad option is named among the details, before the valid shape.
    const details = problem?.split(". Using the defaults for those")[0]
    expect(details).toContain("toasts")
    expect(details).not.toContain("maxAutomaticHandoffs")
  })

  it("names the problem when the options are not an object", () => {
    const { options, problem } = readOptions("fast")
    expect(options).toEqual(DEFAULTS)
    expect(problem).toContain("(options)")
  })
})
