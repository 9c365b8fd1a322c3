/**
 * Figure 10 — a `message` hand-off under `opencode run` (the real CLI, `--format json`, message
 * on stdin): the caller's turn end → the target's turn begun, as in figure 1, read afterwards
 * from the run's own store with `opencode export`. Baseline: figure 1's median in the server.
 */
import { execFile } from "node:child_process"
import { rmSync } from "node:fs"
import { promisify } from "node:util"
import { OPENCODE_BIN, prepareProject, type StoredMessage } from "../../test/e2e/harness.js"
import { runOpencode } from "../../test/e2e/run-cli.js"
import { callSession, lines } from "../../test/e2e/script.js"
import { startScriptedModel } from "../../test/e2e/scripted-model.js"
import { handoffTimes } from "./handoff-latency.js"
import { ratioOf, type Measured } from "./report.js"
import { median } from "./stats.js"

const RUNS = 7
const MAX_RATIO = 1.1
/** Both are a few milliseconds: a ratio alone would call 4 ms against 3 ms a miss. */
const SLACK_MS = 2

export async function runHandoff(serverMedian: number | undefined): Promise<Measured> {
  if (serverMedian === undefined) throw new Error("needs figure 1's median (run figure 1 with it)")
  const model = await startScriptedModel()
  const project = prepareProject(model)
  try {
    const latencies: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const result = await runOpencode(
        project,
        lines(`Run ${run}: get this reviewed.`, callSession({ mode: "message", agent: "plan", text: `@say Reviewed in run ${run}.` })),
        {
          agent: "build",
          timeoutMs: 90_000,
        },
      )
      if (result.code !== 0 || !result.sessionID) throw new Error(`opencode run failed (${result.code}): ${result.stderr.slice(-1000)}`)
      const exported = await promisify(execFile)(OPENCODE_BIN, ["export", result.sessionID], {
        cwd: project.project,
        env: { ...project.env, PWD: project.project },
        maxBuffer: 64 << 20,
      })
      const messages = (JSON.parse(exported.stdout.slice(exported.stdout.indexOf("{"))) as { messages: StoredMessage[] }).messages
      const [times] = handoffTimes(messages, result.sessionID)
      if (!times) throw new Error(`run ${run}: no hand-off was answered within the run`)
      latencies.push(times.begun - times.completed)
    }
    const value = median(latencies)
    const ratio = ratioOf(value, serverMedian)
    return {
      title: "Hand-off under opencode run",
      rows: [
        {
          figure: `opencode run: caller's turn end → target's turn begun, median of ${RUNS} (ms)`,
          value,
          baseline: serverMedian,
          ratio,
          target: `≤ ${MAX_RATIO}× the server's (or +${SLACK_MS} ms)`,
          ok: value <= Math.max(MAX_RATIO * serverMedian, serverMedian + SLACK_MS),
        },
      ],
      details: { unit: "ms", latencies, serverMedian },
    }
  } finally {
    await model.close()
    rmSync(project.root, { recursive: true, force: true })
  }
}
