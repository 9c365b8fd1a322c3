/**
 * The words a model reads, pinned by what they must let a model tell (each mode, parameter and
 * agent apart; what happens next and when; what was wrong and what is valid), not by their
 * exact wording. And all of it plain ASCII, within the size the benchmark also measures.
 */
import { tool } from "@opencode-ai/plugin"
import { describe, expect, it } from "vitest"
import type { Answered } from "../../core/gather.js"
import type { State } from "../../core/life.js"
import type { AgentInfo } from "../host/opencode.js"
import { OptionsSchema } from "../host/options.js"
import { MODES, sessionArgs } from "../tool/schema.js"
import { AGENT_WORDS, deliveredText, english, startedResult, startedText, wordingFor, type StartedNow } from "./index.js"

const ASCII = /^[\x20-\x7e\n]*$/

function agent(name: string, description?: string): AgentInfo {
  return { name, description, mode: "primary", builtIn: false, permission: { edit: "allow", bash: {} }, tools: {}, options: {} }
}

const SIX = [
  agent("build", "The default agent. Executes tools based on configured permissions."),
  agent("plan", "Plan mode. Disallowed to edit files; reads code and writes plans."),
  agent("debug", "Investigates failures: reproduces them, bisects, and explains the root cause before fixing anything at all."),
  agent("docs", "Writes and updates project documentation, READMEs and API reference pages."),
  agent("review", "Reviews code changes for bugs, style problems and missing tests."),
  agent("test", "Writes and runs tests for the change at hand, then reports coverage."),
]
const defaults = OptionsSchema.parse({})
const answered = (sessionID: string, state: State, answer?: string): Answered => ({
  ...{ key: sessionID, sessionID, title: `Fork (plan): ${sessionID}`, agent: "plan", mode: "fork", state },
  ...(answer === undefined ? {} : { answer }),
})

/** The `session` tool as a model request carries it: name, description, JSON-Schema parameters. */
function definition(description: string): string {
  const { $schema: _unsent, ...parameters } = tool.schema.toJSONSchema(tool.schema.object(sessionArgs(defaults)))
  return JSON.stringify({ type: "function", function: { name: "session", description, parameters } })
}

describe("the description", () => {
  const description = english.description(SIX)
  const line = (mode: string) => description.split("\n").find((text) => text.startsWith(`- ${mode}:`)) ?? ""

  it("gives every mode a line of its own that says what it does and when it takes effect", () => {
    for (const mode of MODES.filter((mode) => mode !== "adopt" && mode !== "discard")) expect(line(mode), mode).not.toBe("")
    expect(line("adopt, discard")).toMatch(/apply to your files, or drop/)
    expect(line("message")).toMatch(/THIS conversation/)
    expect(line("message")).toMatch(/when your turn ends/)
    expect(line("compact")).toMatch(/like message[\s\S]*summari[sz]ing/)
    expect(line("message")).toMatch(/With `session`[^\n]*to that session instead[^\n]*busy[^\n]*running turn, uninterrupted/)
    expect(line("new")).toMatch(/returns its id at once/)
    expect(line("wait")).toMatch(/at `timeout`, those finished \(the rest run on\)/)
    expect(line("status")).toMatch(/team/)
    expect(line("stop")).toMatch(/stop `session`, or all your running started sessions/)
    expect(line("new")).toMatch(/WITHOUT this conversation/)
    expect(line("new")).toMatch(/in parallel/)
    expect(line("fork")).toMatch(/copy of this conversation/)
    expect(line("wait")).toMatch(/within your turn/)
    expect(line("status")).toMatch(/started sessions/)
  })

  it("says when to use new/fork rather than OpenCode's task tool, and when answers come back", () => {
    expect(description).toMatch(/task[^\n]*inside your turn[^\n]*new\/fork[^\n]*own session/)
    expect(description).toMatch(/new\/fork[^\n]*reaches you only by `report` \(after your turn ends\) or wait/)
  })

  it(`names every agent with its own description, in whole phrases up to ${AGENT_WORDS} words, cut with "..." beyond`, () => {
    const entry = (name: string) => new RegExp(`\\b${name} \\(([^)]*)\\)`).exec(description)?.[1]
    expect(entry("build")).toBe("The default agent. Executes tools based on configured permissions.")
    expect(entry("review")).toBe("Reviews code changes for bugs, style problems and missing tests.")
    expect(entry("plan")).toBe("Plan mode. Disallowed to edit files...")
    expect(entry("debug")).toBe("Investigates failures: reproduces them, bisects...")
    expect(english.description([agent("short", "Writes the docs.")])).toMatch(/short \(Writes the docs\.\)/)
    // One phrase longer than the limit is cut at it.
    const long = "one two three four five six seven eight nine ten eleven twelve"
    expect(english.description([agent("long", long)])).toMatch(/long \(one two three four five six seven eight nine ten\.\.\.\)/)
    // Agents whose descriptions start alike are still told apart.
    expect(entry("docs")).not.toBe(entry("test"))
    expect(english.description([agent("bare")])).toMatch(/\bbare\./)
  })

  it("is plain ASCII, and with six agents the whole definition stays within 3,000 characters", () => {
    expect(description).toMatch(ASCII)
    expect(english.fallbackDescription).toMatch(ASCII)
    expect(definition(description).length).toBeLessThanOrEqual(3_000)
  })
})

describe("the parameters", () => {
  const schema = tool.schema.toJSONSchema(tool.schema.object(sessionArgs(defaults))) as {
    properties: Record<string, { description?: string; enum?: string[] }>
  }

  it("describes every parameter, with mode and isolation as enums", () => {
    for (const [name, property] of Object.entries(schema.properties)) {
      expect(property.description, name).toBeTruthy()
      expect(property.description, name).toMatch(ASCII)
    }
    expect(schema.properties.mode!.enum).toEqual([...MODES])
    expect(schema.properties.isolation!.enum).toEqual(["none", "worktree"])
    expect(schema.properties.model!.description).toMatch(/provider\/model/)
    expect(schema.properties.timeout!.description).toMatch(/seconds/)
    expect(schema.properties.session!.description).toMatch(/wait, stop, message[^"]*id \(ses_\.\.\.\) or name of a session you started/)
    expect(schema.properties.session!.description).toMatch(/message also: "caller", or one your caller started/)
    expect(schema.properties.report!.description).toMatch(/new, fork, message with session/)
    expect(schema.properties.report!.description).toMatch(/true: [^;]*one message per turn; "each": each one as it finishes/)
    expect(schema.properties.isolation!.description).toMatch(/uncommitted changes included/)
    expect(schema.properties.name!.description).toMatch(/letters, digits, -; max 24/)
    expect(schema.properties.after!.description).toMatch(/begins once they finish, with their answers/)
    expect(schema.properties.agent!.description).toMatch(/follow-up: the session's/)
  })

  it("states the defaults the options set", () => {
    const each = tool.schema.toJSONSchema(
      tool.schema.object(sessionArgs({ ...defaults, report: true, reports: "each", isolation: "worktree", waitTimeout: 90 })),
    ) as typeof schema
    expect(schema.properties.report!.description).toMatch(/Default: false/)
    expect(each.properties.report!.description).toMatch(/Default: "each"/)
    expect(each.properties.isolation!.description).toMatch(/Default: "worktree"/)
    expect(each.properties.timeout!.description).toMatch(/Default: 90/)
  })
})

describe("results say what happens next", () => {
  const fork: StartedNow = { sessionID: "ses_f", title: "Fork (plan): Try it", agent: "plan", mode: "fork", report: "together" }

  it("a hand-off: who continues, when, and that the caller's turn should end now", () => {
    expect(english.result.message("plan", 1)).toMatch(/agent plan continues this conversation[\s\S]*End your turn now/)
    expect(english.result.message("plan", 2)).toMatch(/after the 1 hand-off you queued before/)
    expect(english.result.compact("build")).toMatch(/summarized[\s\S]*agent build continues[\s\S]*End your turn now/)
  })

  it("a started session: its id, where it runs, when its answer comes back, how to look at it", () => {
    const started = startedResult(fork, { kind: "started" })
    expect(started).toMatch(/ses_f/)
    expect(started).toMatch(/in your directory/)
    expect(started).toMatch(/after your turn ends/)
    expect(started).toMatch(/mode wait/)
    expect(started).toMatch(/mode status/i)
    const silent = startedResult({ ...fork, report: "none" }, { kind: "started" })
    expect(silent).toMatch(/does not come back by itself[\s\S]*mode wait/)
    expect(silent).not.toMatch(/after your turn ends/)
    expect(startedResult(fork, { kind: "waiting", running: 4 })).toMatch(/already run 4[\s\S]*starts by itself when one of them finishes/)
    expect(startedResult(fork, { kind: "isolated", directory: "/wt/ses_f", branch: "opencode-sessions/ses_f" })).toMatch(
      /worktree \/wt\/ses_f[\s\S]*adopt[\s\S]*discard/,
    )
  })

  it("a refusal: what was wrong and the valid choices", () => {
    expect(english.refusal.unknownMode("go", MODES)).toMatch(/"go"[\s\S]*message, new, compact, fork, status, wait, stop, adopt, discard/)
    expect(english.refusal.invalidAgent("ghost", "does not exist", ["build", "plan"])).toMatch(/ghost[\s\S]*build, plan/)
    expect(english.refusal.unknownIsolation("docker")).toMatch(/"docker"[\s\S]*"worktree"[\s\S]*"none"/)
    expect(english.refusal.waitNotStarted("ses_x", ["ses_a"])).toMatch(/ses_x[\s\S]*ses_a/)
    expect(english.refusal.waitTimeout("soon", 7200)).toMatch(/"soon"[\s\S]*seconds from 1 to 7200/)
  })

  it("a started session's first message says who started it, its name, whether its answer goes back, and how to reach its team", () => {
    const from = { agent: "build", sessionID: "ses_caller" }
    expect(startedText(from, { mode: "fork", report: "together" }, "Try A.")).toMatch(
      /^\[Started by agent "build" in session ses_caller[^\n]*fork[^\n]*not typed by the person[^\n]*sent back[^\n]*\]\n\nTry A\.$/,
    )
    const named = startedText(from, { mode: "new", report: "none", name: "researcher" }, "Try B.")
    expect(named).toMatch(/not sent back by itself/)
    expect(named).toContain('as "researcher"')
    expect(named).toContain('mode message and session "caller"')
    expect(named).toMatch(/mode status lists the other sessions it started/)
  })

  it("is plain ASCII throughout, whatever the titles and answers hold", () => {
    const session: Answered = { ...answered("ses_a", { state: "answered" }, "Done."), title: "Fork (plan): caf\u00e9\u2026" }
    const worktree = { kind: "changed" as const, directory: "/wt", branch: "b", files: [{ path: "a.ts", additions: 3, deletions: 1 }] }
    const samples = [
      english.result.status(
        [{ ...fork, state: { state: "answered" }, reportState: "due", latest: "Works.", worktree }],
        [{ kind: "message", agent: "plan", text: "Go on." }],
      ),
      english.result.wait([session], [], [], undefined),
      deliveredText({ kind: "report", from: { agent: "plan", sessionID: "ses_a", title: "Fork (plan): x" }, text: "A." }),
      deliveredText({ kind: "message", from: { agent: "build", sessionID: "ses_c" }, text: "B." }),
      english.result.adopted("ses_a", worktree.files, undefined, "/repo", "refs/x"),
      english.result.discarded("ses_a", worktree.files, "refs/y", "/repo", "abcdef0123456789"),
      english.result.headless,
      english.refusal.adoptCollision("ses_a", ["a.ts"], "/wt"),
    ]
    for (const sample of samples) expect(sample.replace(/caf\u00e9/g, "cafe")).toMatch(ASCII)
  })
})

describe("the test-only wording", () => {
  it("turns the words around only when the process asks for it, for tests", () => {
    expect(wordingFor({ OPENCODE_SESSIONS_TEST_WORDING: "reversed" })(english.refusal.waitSelf)).toBe([...english.refusal.waitSelf].reverse().join(""))
    expect(wordingFor({})(english.refusal.waitSelf)).toBe(english.refusal.waitSelf)
    expect(wordingFor({ OPENCODE_SESSIONS_TEST_WORDING: "something else" })("as written")).toBe("as written")
  })
})
