/**
 * The four modes and the permission rules on whichever OpenCode `OPENCODE_BIN` names (the
 * pinned one by default). `npm run test:compat` runs this file on one release of every
 * supported line; `releases.ts` says what each one is expected to do, and the README's
 * support table is made from the same list.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { OPENCODE_BIN, startOpencode, type Harness } from "../e2e/harness.js"
import { callSession, lines, reportedSessions, sessionToolParts, shape, startedBy, startedSessionsIn, textOf, toolOutcome } from "../e2e/script.js"
import { answered, answeredBy, isHandoff, isReport, toasts } from "../e2e/waits.js"
import { asks } from "./asks.js"
import { team } from "./team.js"
import { permissionRules } from "./permissions.js"
import { opencodeRun } from "./run.js"
import { steering } from "./steering.js"
import { releaseFor } from "./releases.js"

const version = execFileSync(OPENCODE_BIN, ["--version"], { encoding: "utf8" }).trim().split("\n").at(-1)!
const release = releaseFor(version)
if (!release) throw new Error(`OpenCode ${version} has no entry in test/compat/releases.ts: add its release line there (and to the README).`)

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: {
      alpha: { mode: "primary", description: "Writes first drafts." },
      beta: { mode: "primary", description: "Reviews drafts." },
      // Per-agent rules: the calling agent's own rules come after the global ones, and win.
      gamma: { mode: "primary", description: "Restricted.", permission: { session: { "message:*": "deny", "new:*": "ask" } } },
      worker: { mode: "primary", description: "Runs commands, each asked of the person.", permission: { bash: "ask" } },
    },
    permission: { session: { "*": "allow", "new:beta": "deny", "fork:beta": "ask" } },
    // Releases before 1.14 refuse to start with the `[name, options]` form: plain name there.
    pluginOptions: release.options ? { toasts: false } : undefined,
    logLevel: "DEBUG",
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}" on OpenCode ${version}:\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

async function sessionCount(): Promise<number> {
  return (await oc.client.session.list()).data!.length
}

/** The outcome of the first `session` call in the session, once it has one, and the session it started (from its record). */
async function firstCall(sessionID: string) {
  return oc.waitFor(`a finished session call in ${sessionID}`, async () => {
    const part = sessionToolParts(await oc.messages(sessionID))[0]
    const outcome = part && toolOutcome(part)
    return outcome && (outcome.status === "completed" || outcome.status === "error") ? { ...outcome, started: startedBy(part) } : undefined
  })
}

describe(`OpenCode ${version}: the modes`, () => {
  it(`message: the chosen agent answers in the same session, after the caller's turn (plugin options: ${release.options ? "yes" : "no"})`, async () => {
    const since = oc.events.length
    const id = await oc.startSession(lines("Get it reviewed.", callSession({ mode: "message", agent: "beta", text: "@say Reviewed: fine." })), "alpha")
    const messages = await answeredBy(oc, id, "beta")
    // With options, `toasts: false` silences the hand-off's informational toast; without, it shows.
    const handoffToasts = toasts(oc, since).filter((toast) => toast.message.startsWith("alpha → beta"))
    expect(handoffToasts).toHaveLength(release.options ? 0 : 1)
    expect(shape(messages)).toEqual(["user:alpha", "assistant:alpha", "assistant:alpha", "user:beta", "assistant:beta"])
    expect(textOf(messages[3]!)).toMatch(/Handed over by agent "alpha"/)
    expect(textOf(messages[4]!)).toBe("Reviewed: fine.")
  })

  it("new: a session without the caller's history, answered by the chosen agent", async () => {
    const id = await oc.startSession(lines("Private context.", callSession({ mode: "new", agent: "alpha", text: "@say Started clean." })), "beta")
    const outcome = await firstCall(id)
    expect(outcome.status).toBe("completed")
    const child = await answeredBy(oc, outcome.started!, "alpha")
    expect(shape(child)).toEqual(["user:alpha", "assistant:alpha"])
    expect(textOf(child[0]!)).not.toContain("Private context.")
    expect(textOf(child[1]!)).toBe("Started clean.")
  })

  it(`compact: ${release.compactRerun ? "a summary (two at most, as the release notes say)" : "one summary"} after the caller's turn, then the chosen agent continues`, async () => {
    const id = await oc.startSession("@say Some history.", "alpha")
    await answered(oc, id, 1)
    await oc.say(id, callSession({ mode: "compact", agent: "beta", text: "@say Continued after the summary." }), "alpha")
    const messages = await answeredBy(oc, id, "beta")
    const kinds = shape(messages)
    const summaries = kinds.filter((kind) => kind.endsWith(":summary")).length
    if (release.compactRerun) {
      // This release may run the compaction and the turn again (its notes say so): still one hand-off, answered after a summary.
      expect(summaries === 1 || summaries === 2).toBe(true)
      const after = messages.slice(kinds.lastIndexOf("assistant:compaction:summary"))
      expect(after.filter(isHandoff)).toHaveLength(1)
      expect(after.some((message) => shape([message])[0] === "assistant:beta" && textOf(message) === "Continued after the summary.")).toBe(true)
      return
    }
    expect(summaries).toBe(1)
    expect(kinds.slice(kinds.indexOf("assistant:compaction:summary"))).toEqual(["assistant:compaction:summary", "user:beta", "assistant:beta"])
    expect(textOf(messages.at(-1)!)).toBe("Continued after the summary.")
  })

  it("fork: a session with the history up to the call, answered by the chosen agent", async () => {
    const id = await oc.startSession("@say Earlier answer.", "alpha")
    await answered(oc, id, 1)
    await oc.say(id, callSession({ mode: "fork", agent: "alpha", text: "@say Forked." }), "alpha")
    const outcome = await firstCall(id)
    expect(outcome.status).toBe("completed")
    const fork = await answeredBy(oc, outcome.started!, "alpha")
    expect(fork.map(textOf)).toContain("Earlier answer.")
    expect(sessionToolParts(fork)).toEqual([])
    expect(textOf(fork.at(-1)!)).toBe("Forked.")
  })

  it("report: two sessions started in one turn come back as one report, answered by the caller", async () => {
    const id = await oc.startSession(
      lines(
        "Try two ways.",
        callSession({ mode: "fork", agent: "alpha", report: true, text: "@say Way one works." }),
        callSession({ mode: "new", agent: "alpha", report: true, text: lines("@delay 500", "@say Way two works.") }),
      ),
      "alpha",
    )
    const messages = await oc.waitFor("the gathered report, answered", async () => {
      const all = await oc.messages(id)
      const last = all.at(-1)
      const reports = all.filter((message) => isReport(message) && reportedSessions(message).length === 2)
      return reports.length === 1 && last?.info.role === "assistant" && last.info.time.completed ? all : undefined
    })
    const report = messages.find(isReport)!
    expect([...reportedSessions(report)].sort()).toEqual(startedSessionsIn(messages).sort())
    expect(textOf(report)).toMatch(/^\[Reports from the 2 sessions/)
    expect(textOf(report)).toContain("Way one works.")
    expect(textOf(report)).toContain("Way two works.")
    const answer = messages.at(-1)!.info
    expect(answer.role === "assistant" && answer.mode).toBe("alpha")
    // Once: a single report message, whichever plugin instance sent it.
    expect(messages.filter(isReport)).toHaveLength(1)
  })

  it("an unknown agent is refused with the valid ones, and nothing is created", async () => {
    const before = await sessionCount()
    const id = await oc.startSession(callSession({ mode: "new", agent: "nobody", text: "hello" }), "alpha")
    const outcome = await firstCall(id)
    expect(outcome.status).toBe("error")
    expect(outcome.text).toMatch(/agent "nobody" does not exist.*Valid agents: .*alpha/)
    await oc.waitIdle(id)
    expect(await sessionCount()).toBe(before + 1)
  })

  it(`the model sees the live agent list in the tool's description (tool.definition hook: ${release.definitionHook ? "yes" : "no"})`, async () => {
    const description = oc.model.lastSessionTool()?.function.description ?? ""
    expect(description).toContain("alpha (Writes first drafts.)")
    expect(description).toContain("gamma (Restricted")
    const fallbackLogged = oc.output().includes("the tool.definition hook is not available")
    expect(fallbackLogged).toBe(!release.definitionHook)
  })
})

permissionRules({ harness: () => oc, release, version, sessionCount, firstCall })

steering({ harness: () => oc, version })

asks({ harness: () => oc, release, version })

team({ harness: () => oc, version })

opencodeRun({ release, version })

describe.skipIf(Boolean(release.isolationUntested))(`OpenCode ${version}: isolated forks (${release.isolation ? "work" : "refused"})`, () => {
  let repo: Harness
  const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" }
  beforeAll(async () => {
    repo = await startOpencode({
      agents: { alpha: { mode: "primary", description: "Writes first drafts." }, beta: { mode: "primary", description: "Reviews drafts." } },
      pluginOptions: release.options ? { toasts: false } : undefined,
      prepare: (project) => {
        writeFileSync(join(project, "shared.txt"), "base\n")
        execFileSync("git", ["init", "-q"], { cwd: project })
        execFileSync("git", ["add", "-A"], { cwd: project, env: gitEnv })
        execFileSync("git", ["commit", "-q", "-m", "first"], { cwd: project, env: gitEnv })
      },
    })
  })
  afterAll(async () => {
    await repo?.stop()
  })

  it(
    release.isolation
      ? "an isolated fork works in its own worktree, and adopt brings its change"
      : "an isolated fork is refused with the reason, and nothing is created",
    async () => {
      const before = (await repo.client.session.list()).data!.length
      const id = await repo.startSession(
        lines(
          "Try it apart.",
          callSession({ mode: "fork", agent: "beta", isolation: "worktree", text: lines("Write it.", "@bash echo changed > shared.txt") }),
          `@after-tool ${callSession({ mode: "wait" })}`,
        ),
        "alpha",
      )
      const messages = await answered(repo, id, 1, 60_000)
      const [call] = sessionToolParts(messages)
      const fork = call && toolOutcome(call)
      if (!release.isolation) {
        expect(fork!.status).toBe("error")
        expect(fork!.text).toContain('isolation "worktree" needs OpenCode 1.17 or later')
        expect((await repo.client.session.list()).data!.length).toBe(before + 1)
        return
      }
      const child = startedBy(call!)!
      expect(readFileSync(join(repo.projectDir, "shared.txt"), "utf8")).toBe("base\n")
      await repo.say(id, callSession({ mode: "adopt", session: child }), "alpha")
      const adopted = sessionToolParts(await answered(repo, id, 2, 60_000))
        .map(toolOutcome)
        .at(-1)!
      expect(adopted.text).toContain(`Adopted ${child}: 1 file changed`)
      expect(readFileSync(join(repo.projectDir, "shared.txt"), "utf8")).toBe("changed\n")
    },
    90_000,
  )
})
