/**
 * Figure 11 — isolated forks, in a scratch git repository of 5,000 files (a server of its own):
 *   - an isolated fork's first message stored, from its tool call's start, against a plain fork
 *     made the same way (its own worktree is made and the session moved into it first);
 *   - the caller's turn with four isolated forks in it (the worktrees are made after its step),
 *     each round beside the same turn with four `status` calls (OpenCode's own cost of such a
 *     turn in this repository: its per-step snapshots of the 5,000 files);
 *   - `adopt` of a fork that changed 100 files: the tool call's own time.
 * Every measured turn starts once OpenCode is idle (scripts/bench/quiet.ts): a worktree's
 * OpenCode instance keeps loading for seconds after its session answered.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { HarnessOptions } from "../../test/e2e/harness.js"
import {
  callRecord,
  callSession,
  lines,
  pluginMarker,
  sessionToolParts,
  startedBy,
  startedSessionsIn,
  toolOutcome,
  type ToolPart,
} from "../../test/e2e/script.js"
import { ratioOf, type Measured } from "./report.js"
import { EXTRA_AGENTS, send, sessionWithHistory, type Server } from "./servers.js"
import { median } from "./stats.js"
import { untilQuiet } from "./quiet.js"

const FILES = 5_000
const ROUNDS = 5
const TURN_ROUNDS = 7
/** What four isolated forks may add to the same turn with no starts (four status calls), round by round. */
const MAX_ADDED_MS = 300
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "bench@localhost",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "bench@localhost",
}

/** A repository of 5,000 small files in 50 folders, committed, with one uncommitted edit. */
export const ISOLATION_SERVER: HarnessOptions = {
  agents: EXTRA_AGENTS,
  prepare: (project) => {
    for (let folder = 0; folder < FILES / 100; folder++) {
      mkdirSync(join(project, `src${folder}`), { recursive: true })
      for (let file = 0; file < 100; file++)
        writeFileSync(join(project, `src${folder}`, `file${file}.ts`), `export const value${file} = ${folder * 100 + file}\n`)
    }
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: project })
    execFileSync("git", ["add", "-A"], { cwd: project, env: GIT_ENV })
    execFileSync("git", ["commit", "-q", "-m", "5,000 files"], { cwd: project, env: GIT_ENV })
    writeFileSync(join(project, "src0", "file0.ts"), "export const value0 = -1 // uncommitted\n")
  },
}

const startOf = (part: ToolPart) => (part.state.status === "pending" ? Infinity : part.state.time.start)
const endOf = (part: ToolPart) => (part.state.status === "completed" || part.state.status === "error" ? part.state.time.end : Infinity)

export async function isolation(server: Server): Promise<Measured> {
  const { oc, tracker } = server
  // An isolated session's events are published by its worktree's own OpenCode instance, which the
  // tracker does not follow: its stored messages are read instead (the times measured are stored ones).
  const answeredIn = (child: string) =>
    oc.waitFor(
      `${child}'s answer`,
      async () => (await oc.messages(child)).some((message) => message.info.role === "assistant" && message.info.time.completed),
      60_000,
    )
  // First, on a server with no worktree loaded yet: the same turn with four plain forks, and with
  // four calls that start nothing (status): what OpenCode's own steps cost in this repository.
  const turnWith = async (label: string, calls: string[]): Promise<number> => {
    const id = await sessionWithHistory(server, `bench isolation ${label}`, "Four ways.")
    await untilQuiet(oc.pid())
    await send(oc, id, "build", lines(`Four calls (${label}).`, ...calls))
    const turn = await tracker.settled(id, 2, 60_000).catch((error: unknown) => {
      throw new Error(`${label}: ${String(error)}`)
    })
    for (const child of startedSessionsIn(await oc.messages(id))) await answeredIn(child)
    return turn.answer.time.completed! - turn.user.time.created
  }
  const plainTurns: number[] = []
  for (let round = 0; round < 3; round++) {
    plainTurns.push(
      await turnWith(
        "plain",
        [1, 2, 3, 4].map((k) => callSession({ mode: "fork", agent: "plan", text: `@say Plain way ${k}.` })),
      ),
    )
  }

  const isolated: number[] = []
  const plain: number[] = []
  /** From the fork call's start to its session's first message of its own stored. */
  const firstStored = async (isolate: boolean, round: number): Promise<number> => {
    const id = await sessionWithHistory(server, `bench isolation ${round} ${isolate}`, "The repository is large.")
    await untilQuiet(oc.pid())
    await send(
      oc,
      id,
      "build",
      lines("Try it apart.", callSession({ mode: "fork", agent: "plan", ...(isolate ? { isolation: "worktree" } : {}), text: `@say Tried ${round}.` })),
    )
    await tracker.settled(id, 2, 60_000)
    const [part] = sessionToolParts(await oc.messages(id))
    const child = startedBy(part!)
    if (!child) throw new Error(`the fork did not start: ${toolOutcome(part!).text}`)
    const first = await oc.waitFor(
      `${child}'s answer`,
      async () => {
        const messages = await oc.messages(child)
        const answered = messages.some((message) => message.info.role === "assistant" && message.info.time.completed)
        return answered ? messages.find((message) => pluginMarker(message)?.kind === "start" && pluginMarker(message)?.fromSession === id) : undefined
      },
      60_000,
    )
    return first.info.time.created - startOf(part!)
  }
  for (let round = 0; round < ROUNDS; round++) {
    isolated.push(await firstStored(true, round))
    plain.push(await firstStored(false, round))
  }

  const callerTurns: number[] = []
  const floorTurns: number[] = []
  const toolTimes: number[][] = []
  for (let round = 0; round < TURN_ROUNDS; round++) {
    // Distinct texts: OpenCode asks the person before a third identical tool call in a row (its doom-loop guard).
    floorTurns.push(
      await turnWith(
        "status",
        [1, 2, 3, 4].map((k) => callSession({ mode: "status", text: `look ${k} in round ${round}` })),
      ),
    )
    const id = await sessionWithHistory(server, `bench isolation four ${round}`, "Four ways.")
    const forks = [1, 2, 3, 4].map((k) => callSession({ mode: "fork", agent: "plan", isolation: "worktree", text: `@say Way ${k}.` }))
    await untilQuiet(oc.pid())
    await send(oc, id, "build", lines("Four ways, each apart.", ...forks))
    const turn = await tracker.settled(id, 2, 60_000)
    callerTurns.push(turn.answer.time.completed! - turn.user.time.created)
    const parts = sessionToolParts(await oc.messages(id))
    toolTimes.push(parts.map((part) => endOf(part) - startOf(part)))
    // Their worktrees made and their turns over (the next round also waits for OpenCode to be idle).
    for (const child of parts.map((part) => startedBy(part)!)) await answeredIn(child)
  }

  const caller = await sessionWithHistory(server, "bench adopt", "A hundred files to change.")
  const script = 'for i in $(seq 0 99); do echo "export const value$i = $i // adopted" > src1/file$i.ts; done'
  await send(
    oc,
    caller,
    "build",
    lines(
      "Change a hundred files apart.",
      callSession({ mode: "fork", agent: "plan", isolation: "worktree", text: `@bash ${script}` }),
      `@after-tool ${callSession({ mode: "wait" })}`,
    ),
  )
  await tracker.settled(caller, 2, 120_000)
  const waited = sessionToolParts(await oc.messages(caller)).find((part) => part.state.input.mode === "wait")
  if (!waited || callRecord(waited)?.sessions?.length !== 1)
    throw new Error(`the fork changing 100 files did not finish: ${waited && toolOutcome(waited).text}`)
  const child = startedSessionsIn(await oc.messages(caller))[0]!
  await untilQuiet(oc.pid())
  await send(oc, caller, "build", callSession({ mode: "adopt", session: child }))
  await tracker.settled(caller, 3, 120_000)
  const adopt = sessionToolParts(await oc.messages(caller)).find((part) => part.state.input.mode === "adopt")!
  if (!toolOutcome(adopt).text.includes("100 files changed")) throw new Error(`adopt did not bring 100 files: ${toolOutcome(adopt).text}`)
  execFileSync("git", ["checkout", "--", "src1"], { cwd: oc.projectDir })

  const value = median(isolated)
  const baseline = median(plain)
  const turn = median(callerTurns)
  const added = median(callerTurns.map((isolatedTurn, round) => isolatedTurn - floorTurns[round]!))
  return {
    title: "Isolated forks",
    rows: [
      {
        figure: `isolated fork: call → its first message stored, ${FILES} files, median of ${ROUNDS} (ms)`,
        value,
        baseline,
        ratio: ratioOf(value, baseline),
        target: "(context: vs a plain fork)",
      },
      {
        figure: `4 isolated forks: what they add to the caller's turn (the same turn with 4 status calls), median of ${TURN_ROUNDS} (ms)`,
        value: added,
        target: `≤ ${MAX_ADDED_MS} ms`,
        ok: added <= MAX_ADDED_MS,
      },
      { figure: "  the caller's turn with 4 isolated forks (ms)", value: turn, target: "(context)" },
      { figure: "  the same turn with 4 status calls: OpenCode's own floor here (ms)", value: median(floorTurns), target: "(context)" },
      { figure: "  the same turn with 4 plain forks, median of 3 (ms)", value: median(plainTurns), target: "(context)" },
      { figure: "adopt a fork's change of 100 files (ms)", value: endOf(adopt) - startOf(adopt), target: "(context)" },
    ],
    details: { unit: "ms", isolated, plain, callerTurns, toolTimes, plainTurns, floorTurns },
  }
}
