/** The tool's arguments, parsed by its own schema (OpenCode does not check them): what passes, and how each bad one is refused. */
import { describe, expect, it } from "vitest"
import { MAX_WAIT_SECONDS } from "../../core/wait.js"
import { SessionToolError } from "../host/errors.js"
import { OptionsSchema } from "../host/options.js"
import { words } from "../words/index.js"
import { MODES, parseArgs } from "./schema.js"

const options = OptionsSchema.parse({})

/** What parsing `raw` threw: a refusal of the tool's, in exactly these words, never a runtime error. */
function refusal(raw: unknown): string {
  let thrown: unknown
  try {
    parseArgs(raw, options)
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(SessionToolError)
  return (thrown as Error).message
}

describe("parseArgs", () => {
  it("passes every valid argument through as given, and leaves out ones the tool does not have", () => {
    const args = { mode: "new", text: " Do it. ", agent: "plan", model: "p/m", report: "each", session: "ses_a", timeout: 30, isolation: "worktree" }
    expect(parseArgs({ ...args, colour: "blue" }, options)).toEqual(args)
    expect(parseArgs({ mode: "fork", report: false, isolation: "none" }, options)).toEqual({ mode: "fork", report: false, isolation: "none" })
    for (const mode of MODES) expect(parseArgs({ mode }, options)).toEqual({ mode })
  })

  it.each([["teleport"], [undefined], [7]])("refuses the mode %j, naming the valid modes", (mode) => {
    expect(refusal({ mode, text: "x" })).toBe(words.refusal.unknownMode(mode, MODES))
  })

  it.each([["always"], [1], ["true"]])("refuses the report %j, naming the valid ones", (report) => {
    expect(refusal({ mode: "new", text: "x", report })).toBe(words.refusal.unknownReport(report))
  })

  it.each([["docker"], [true]])("refuses the isolation %j, naming the valid ones", (isolation) => {
    expect(refusal({ mode: "new", text: "x", isolation })).toBe(words.refusal.unknownIsolation(isolation))
  })

  it.each([["ten"], [null]])("refuses a wait timeout %j that is not a number, naming the valid range", (timeout) => {
    expect(refusal({ mode: "wait", timeout })).toBe(words.refusal.waitTimeout(timeout, MAX_WAIT_SECONDS))
  })

  it.each([
    ["text", 42],
    ["agent", 42],
    ["model", { providerID: "p", modelID: "m" }],
    ["session", ["ses_a"]],
    ["text", null],
    ["agent", false],
  ])("refuses %s given %j plainly, naming the argument and what it got", (field, value) => {
    const message = refusal({ mode: "message", [field]: value })
    expect(message).toBe(words.refusal.notText(field, value))
    expect(message).toContain(`\`${field}\` must be text`)
  })

  it("refuses the first bad argument, in the schema's order", () => {
    expect(refusal({ mode: "message", text: 42, report: "always" })).toBe(words.refusal.notText("text", 42))
  })

  it.each([[null], ["message"], [[]]])("refuses arguments %j that are not an object at all, saying what does not fit", (raw) => {
    const message = refusal(raw)
    expect(message).toMatch(/^session: the arguments do not fit the tool's parameters \(\(arguments\): .*expected object.*\)\. Nothing was done\.$/)
  })
})
