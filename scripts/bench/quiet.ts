/**
 * Waits until an OpenCode server and everything it started (git, its plugin's children: one
 * process group) have stopped using the processor. Work a round leaves behind — a worktree's
 * OpenCode instance loading for seconds after its session answered — would otherwise fall on
 * the next round's measurement.
 */
import { readdirSync, readFileSync } from "node:fs"

const POLL_MS = 250
/** Quiet: at most this share of one core used over a poll, twice in a row. */
const QUIET_SHARE = 0.08
const CLOCK_TICK_MS = 10

/** Processor time (ms) used so far by the processes of group `pgid` still running. */
function groupCpuMs(pgid: number): number {
  let ticks = 0
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8")
    } catch (error) {
      // A process that ended while the folder was listed.
      if (["ENOENT", "ESRCH"].includes((error as NodeJS.ErrnoException).code ?? "")) continue
      throw error
    }
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    if (Number(fields[2]) !== pgid) continue
    // Its own time and its ended children's: a git process that ends still counts.
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
  }
  return ticks * CLOCK_TICK_MS
}

export async function untilQuiet(pgid: number | undefined, timeoutMs = 30_000): Promise<number> {
  if (!pgid) return 0
  const start = Date.now()
  let last = groupCpuMs(pgid)
  let calm = 0
  while (calm < 2 && Date.now() - start < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    const now = groupCpuMs(pgid)
    calm = now - last <= POLL_MS * QUIET_SHARE ? calm + 1 : 0
    last = now
  }
  return Date.now() - start
}
