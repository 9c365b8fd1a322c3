/**
 * `opencode run --format json` (message on stdin) with this plugin loaded and the scripted
 * model: the run returns at its session's first idle, so what the plugin does must happen
 * within the caller's turn — hand-offs join it, `wait` collects inside it, and a report that
 * could not come in time is announced when the session is started.
 */
import { rmSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepareProject, type ScratchProject } from "./harness.js"
import { runOpencode, textsOf, toolUsesOf, type RunResult } from "./run-cli.js"
import { callRecord, callSession, lines, startedBy } from "./script.js"
import { startScriptedModel, type ScriptedModel } from "./scripted-model.js"

const RUN_TIMEOUT_MS = 90_000
let model: ScriptedModel
let project: ScratchProject

beforeAll(async () => {
  model = await startScriptedModel()
  project = prepareProject(model, { agents: { alpha: { mode: "primary", description: "Compares." }, beta: { mode: "primary", description: "Explores." } } })
})

afterAll(async () => {
  await model?.close()
  if (project) rmSync(project.root, { recursive: true, force: true })
})

function succeeded(run: RunResult): void {
  expect(run.code, `exit ${run.code}; stderr:\n${run.stderr.slice(-2000)}`).toBe(0)
  expect(run.events.filter((event) => event.type === "error")).toEqual([])
}

describe("opencode run --format json", () => {
  it(
    "prints the answer as a text event and exits 0",
    async () => {
      const run = await runOpencode(project, "@say hello from run", { timeoutMs: RUN_TIMEOUT_MS })
      succeeded(run)
      expect(textsOf(run.events)).toContain("hello from run")
      expect(run.sessionID).toMatch(/^ses_/)
      expect(run.events.every((event) => event.sessionID === run.sessionID)).toBe(true)
    },
    RUN_TIMEOUT_MS,
  )

  it(
    "a message hand-off happens within the run: the target's answer is printed before it exits",
    async () => {
      const run = await runOpencode(project, lines("Get this reviewed.", callSession({ mode: "message", agent: "beta", text: "@say beta reviewed it" })), {
        agent: "alpha",
        timeoutMs: RUN_TIMEOUT_MS,
      })
      succeeded(run)
      const texts = textsOf(run.events)
      // The caller's own last words come first, then the target's answer, in the same run.
      const callerDone = texts.findIndex((text) => /^Done\. Handed over: .*agent beta continues/.test(text))
      const target = texts.indexOf("beta reviewed it")
      expect(callerDone).toBeGreaterThanOrEqual(0)
      expect(target).toBeGreaterThan(callerDone)
      // The run's last step is the target's, and it stopped (not cut off).
      const last = run.events.at(-1)
      expect(last?.type === "step_finish" && last.part.reason).toBe("stop")
      const answer = run.events.flatMap((event) => (event.type === "text" && event.part.text === "beta reviewed it" ? [event.part.messageID] : []))
      expect(last?.type === "step_finish" && last.part.messageID).toBe(answer[0])
    },
    RUN_TIMEOUT_MS,
  )

  it(
    "a compact hand-off happens within the run: summary, then the target's answer, before it exits",
    async () => {
      const run = await runOpencode(
        project,
        lines("Compact, then hand over.", callSession({ mode: "compact", agent: "beta", text: "@say beta continues from the summary" })),
        { agent: "alpha", timeoutMs: RUN_TIMEOUT_MS },
      )
      succeeded(run)
      const texts = textsOf(run.events)
      const callerDone = texts.findIndex((text) => /^Done\. Handed over with compaction/.test(text))
      const target = texts.indexOf("beta continues from the summary")
      expect(callerDone).toBeGreaterThanOrEqual(0)
      expect(target).toBeGreaterThan(callerDone)
      const last = run.events.at(-1)
      expect(last?.type === "step_finish" && last.part.reason).toBe("stop")
    },
    RUN_TIMEOUT_MS,
  )

  it(
    "two forks followed by wait return both answers in one tool result",
    async () => {
      const run = await runOpencode(
        project,
        lines(
          "Try two approaches, then compare.",
          callSession({ mode: "fork", agent: "beta", text: lines("Approach A", "@delay 300", "@say Result A") }),
          callSession({ mode: "fork", agent: "beta", text: lines("Approach B", "@delay 1200", "@say Result B") }),
          `@after-tool ${callSession({ mode: "wait" })}`,
        ),
        { agent: "alpha", timeoutMs: RUN_TIMEOUT_MS },
      )
      succeeded(run)
      const calls = toolUsesOf(run.events, "session")
      const forks = calls.filter((part) => part.state.input.mode === "fork").map(startedBy)
      expect(forks).toHaveLength(2)
      expect(forks.every(Boolean)).toBe(true)
      const waited = calls.filter((part) => part.state.input.mode === "wait")
      expect(waited).toHaveLength(1)
      const output = waited[0]!.state.status === "completed" ? waited[0]!.state.output : ""
      // Printed as each call completed; the wait collects them in call order: compared as sets.
      expect([...(callRecord(waited[0]!)?.sessions ?? [])].sort()).toEqual([...forks].sort())
      expect(output).toMatch(/^Finished: 2 of 2 \(/)
      for (const fork of forks) expect(output.split("\n")[0]).toContain(fork)
      expect(output).toContain("Result A")
      expect(output).toContain("Result B")
    },
    RUN_TIMEOUT_MS,
  )

  it(
    "a session started with report: true is announced at call time: the run ends first, and wait is named",
    async () => {
      const run = await runOpencode(project, lines("Start one and finish.", callSession({ mode: "new", agent: "beta", report: true, text: "@say later" })), {
        agent: "alpha",
        timeoutMs: RUN_TIMEOUT_MS,
      })
      succeeded(run)
      const [started] = toolUsesOf(run.events, "session")
      const output = started?.state.status === "completed" ? started.state.output : ""
      expect(output).toContain("runs headless")
      expect(output).toContain("mode wait")
    },
    RUN_TIMEOUT_MS,
  )
})
