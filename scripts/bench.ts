/**
 * `npm run bench`: what the plugin costs, measured against the real `opencode serve` (the
 * pinned opencode-ai) and the scripted model, with each figure's baseline measured in the same
 * run so that other load on the machine falls on both. Prints a table and writes
 * bench-results.json at the repository root.
 *
 * A missed target prints "no" and is listed at the end, and the exit code stays 0: the numbers
 * are the point. The exit code is 1 only if the bench itself failed (a figure crashed).
 *
 *   1. hand-off latency           figures: scripts/bench/handoff-latency.ts
 *   2. caller turn, new and fork           scripts/bench/caller-turn.ts
 *   3. tool definition size                scripts/bench/tool-size.ts
 *   4. fan-out                             scripts/bench/fan-out.ts
 *   5. plugin start-up                     scripts/bench/startup.ts
 *   6. memory over time                    scripts/bench/memory.ts
 *   7. gathering                           scripts/bench/gathering.ts
 *   8. status with 200 started sessions    scripts/bench/status-many.ts
 *   9. wait                                scripts/bench/wait-latency.ts
 *  10. hand-off under opencode run         scripts/bench/run-handoff.ts
 *  11. isolated forks (5,000-file repo)    scripts/bench/isolation.ts
 *  12. stop                                scripts/bench/stop-latency.ts
 *  13. follow-up                           scripts/bench/follow-up.ts
 *  14. asks                                scripts/bench/asks.ts
 *  15. a team message to a running sibling  scripts/bench/team.ts
 *  16. a start after another                scripts/bench/team.ts
 */
import { loadavg } from "node:os"
import { callerTurn } from "./bench/caller-turn.js"
import { fanOut } from "./bench/fan-out.js"
import { handoffLatency } from "./bench/handoff-latency.js"
import { memory } from "./bench/memory.js"
import { missed, renderTable, writeResults, type FigureResult, type Measured } from "./bench/report.js"
import { gathering } from "./bench/gathering.js"
import { statusMany } from "./bench/status-many.js"
import { MAIN_SERVER, MEMORY_SERVER, startServer, stopAll, stopServer, warmUp, type Server } from "./bench/servers.js"
import { startup } from "./bench/startup.js"
import { toolSize } from "./bench/tool-size.js"
import { runHandoff } from "./bench/run-handoff.js"
import { waitLatency } from "./bench/wait-latency.js"
import { isolation, ISOLATION_SERVER } from "./bench/isolation.js"
import { stopLatency } from "./bench/stop-latency.js"
import { followUp } from "./bench/follow-up.js"
import { ASK_SERVER, asks } from "./bench/asks.js"
import { afterOthers, teamMessage } from "./bench/team.js"

const startedAt = Date.now()
const loadAtStart = loadavg()
const figures: FigureResult[] = []
/** `npm run bench -- --only 1,4` runs those figures alone (for working on one of them). */
const onlyAt = process.argv.indexOf("--only")
const only = onlyAt >= 0 ? new Set((process.argv[onlyAt + 1] ?? "").split(",")) : undefined
const wanted = (id: string) => !only || only.has(id)

function log(text: string) {
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${text}\n`)
}

async function figure(id: string, title: string, work: () => Promise<Measured>): Promise<void> {
  if (!wanted(id)) return
  log(`figure ${id}: ${title}…`)
  const start = Date.now()
  try {
    const measured = await work()
    figures.push({ id, ...measured, durationMs: Date.now() - start })
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    log(`figure ${id} crashed: ${message}`)
    figures.push({
      id,
      title,
      rows: [{ figure: `${title}: crashed`, value: "error", target: "runs", ok: false }],
      details: {},
      durationMs: Date.now() - start,
      error: message,
    })
  }
  log(`figure ${id} done in ${((Date.now() - start) / 1000).toFixed(1)} s`)
}

/** A server that failed to start makes its figures crash, with the reason. */
function need(server: PromiseSettledResult<Server>): Server {
  if (server.status === "rejected") throw server.reason
  return server.value
}

async function main(): Promise<void> {
  // No server yet: the start-up figure runs in this process while the machine is quiet.
  await figure("5", "Plugin start-up", startup)

  log("starting two OpenCode servers (figures 1–4; figure 6 with DEBUG logs)…")
  // Started together to save a start-up; the second one idles while the first is measured.
  const mainWanted = ["1", "2", "3", "4", "7", "8", "9", "12", "13", "15", "16"].some(wanted)
  const skipped = () => Promise.reject(new Error("not started: its figures were not asked for"))
  const [main, mem] = await Promise.allSettled([mainWanted ? startServer(MAIN_SERVER) : skipped(), wanted("6") ? startServer(MEMORY_SERVER) : skipped()])
  try {
    if (main.status === "fulfilled") {
      log("warming up…")
      await warmUp(main.value).catch((error: unknown) => log(`warm-up failed: ${String(error)}`))
    }
    await figure("1", "Hand-off latency", () => handoffLatency(need(main)))
    await figure("2", "Caller turn for new and fork", () => callerTurn(need(main)))
    await figure("3", "Tool definition size", () => toolSize(need(main)))
    await figure("4", "Fan-out", () => fanOut(need(main)))
    await figure("7", "Gathering", () => gathering(need(main)))
    await figure("9", "Wait", () => waitLatency(need(main)))
    await figure("12", "Stop", () => stopLatency(need(main)))
    await figure("13", "Follow-up", () => followUp(need(main)))
    await figure("15", "Team message", () => teamMessage(need(main)))
    await figure("16", "After", () => afterOthers(need(main)))
    // Last on this server: it restarts OpenCode, and leaves 200 sessions behind.
    await figure("8", "Status with 200 started sessions", () => statusMany(need(main)))
    await stopServer(main.status === "fulfilled" ? main.value : undefined)
    await figure("6", "Memory over time", () => memory(need(mem)))
    // Its own project and scripted model: each opencode run is an OpenCode of its own.
    const serverHandoff = figures.find((f) => f.id === "1")?.details.handoff as { median?: number } | undefined
    await figure("10", "Hand-off under opencode run", () => runHandoff(serverHandoff?.median))
    if (wanted("14")) {
      // A server of its own: its agent asks the person before each command.
      const asking = await Promise.allSettled([startServer(ASK_SERVER)])
      await figure("14", "Asks", () => asks(need(asking[0])))
      await stopServer(asking[0].status === "fulfilled" ? asking[0].value : undefined)
    }
    if (wanted("11")) {
      // A server of its own, in a git repository of 5,000 files.
      const repo = await Promise.allSettled([startServer(ISOLATION_SERVER)])
      await figure("11", "Isolated forks", () => isolation(need(repo[0])))
      await stopServer(repo[0].status === "fulfilled" ? repo[0].value : undefined)
    }
  } finally {
    log("stopping the servers…")
    await stopAll()
  }

  figures.sort((a, b) => Number(a.id) - Number(b.id))
  // A partial run (--only) must not overwrite the tracked results of a full one.
  const path = only ? "(not written: --only run)" : writeResults(figures, startedAt, loadAtStart)
  console.log(`\n${renderTable(figures)}\n`)
  const misses = missed(figures)
  console.log(misses.length ? `Missed targets:\n${misses.map((line) => `  - ${line}`).join("\n")}` : "Every target met.")
  console.log(`\nTotal ${((Date.now() - startedAt) / 1000).toFixed(0)} s; results in ${path}`)
  process.exitCode = figures.some((f) => f.error) ? 1 : 0
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers`)
    void stopAll().finally(() => process.exit(130))
  })
}

main().catch(async (error: unknown) => {
  console.error(error)
  await stopAll()
  process.exitCode = 1
})
