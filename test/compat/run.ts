/** The compatibility suite's `opencode run` part: hand-offs and wait inside a run that stops at the first idle. */
import { rmSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepareProject, type ScratchProject } from "../e2e/harness.js"
import { runOpencode, textsOf, toolUsesOf } from "../e2e/run-cli.js"
import { startScriptedModel, type ScriptedModel } from "../e2e/scripted-model.js"
import { callSession, lines } from "../e2e/script.js"
import type { Release } from "./releases.js"

export function opencodeRun({ release, version }: { release: Release; version: string }): void {
  describe(`OpenCode ${version}: opencode run (stops at the first idle)`, () => {
    let model: ScriptedModel
    let project: ScratchProject
    beforeAll(async () => {
      model = await startScriptedModel()
      project = prepareProject(model, {
        agents: { alpha: { mode: "primary", description: "Writes first drafts." }, beta: { mode: "primary", description: "Reviews drafts." } },
      })
    })
    afterAll(async () => {
      await model?.close()
      if (project) rmSync(project.root, { recursive: true, force: true })
    })

    const run = async (message: string) => {
      const result = await runOpencode(project, message, { agent: "alpha", timeoutMs: 90_000 })
      expect(result.code, `exit ${result.code}; stderr:\n${result.stderr.slice(-2000)}`).toBe(0)
      return result
    }

    it("a message hand-off's target answers before the run exits", async () => {
      const result = await run(lines("Get it reviewed.", callSession({ mode: "message", agent: "beta", text: "@say Reviewed within the run." })))
      expect(textsOf(result.events)).toContain("Reviewed within the run.")
    }, 90_000)

    it("a compact hand-off's target answers, after the summary, before the run exits", async () => {
      const result = await run(lines("Compact and hand over.", callSession({ mode: "compact", agent: "beta", text: "@say Continued after the summary." })))
      expect(textsOf(result.events)).toContain("Continued after the summary.")
    }, 90_000)

    it(`wait returns both forks' answers in one result; report: true is announced at call time (headless mark: ${release.headless ? "yes" : "no"})`, async () => {
      const result = await run(
        lines(
          "Two ways, then compare.",
          callSession({ mode: "fork", agent: "beta", report: true, text: lines("Way A", "@delay 200", "@say Way A done") }),
          callSession({ mode: "fork", agent: "beta", text: lines("Way B", "@delay 800", "@say Way B done") }),
          `@after-tool ${callSession({ mode: "wait" })}`,
        ),
      )
      const calls = toolUsesOf(result.events, "session")
      const output = (wanted: (input: Record<string, unknown>) => boolean) =>
        calls.filter((part) => wanted(part.state.input)).map((part) => (part.state.status === "completed" ? part.state.output : `(${part.state.status})`))
      const [waited] = output((input) => input.mode === "wait")
      expect(waited).toMatch(/^Finished: 2 of 2 \(/)
      expect(waited).toContain("Way A done")
      expect(waited).toContain("Way B done")
      const [withReport] = output((input) => input.mode === "fork" && input.report === true)
      if (release.headless) expect(withReport).toContain("mode wait before you finish")
      else expect(withReport).not.toContain("headless")
    }, 90_000)
  })

  if (release.isolationUntested) console.log(`OpenCode ${version}: the isolation test does not run: ${release.isolationUntested}.`)
}
