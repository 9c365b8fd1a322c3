/**
 * Isolated forks in a real OpenCode, in a scratch git repository, the scripted model running
 * commands through OpenCode's own bash tool: each fork works in a worktree of its own made from
 * what the caller sees, the caller's files stay as they are until it adopts one fork's work
 * (all or nothing), and a discarded fork's work stays recoverable.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness, type StoredMessage } from "./harness.js"
import { callSession, lines, pluginMarker, sessionToolParts, startedSessionsIn, toolOutcome, toolParts } from "./script.js"
import { answered, answeredBy, toasts } from "./waits.js"

let oc: Harness
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" }
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", env: GIT_ENV })

beforeAll(async () => {
  oc = await startOpencode({
    agents: { alpha: { mode: "primary", description: "Compares." }, beta: { mode: "primary", description: "Builds." } },
    prepare: (project) => {
      writeFileSync(join(project, "shared.txt"), "base\n")
      writeFileSync(join(project, "tracked.txt"), "committed\n")
      git(project, "init", "-q", "-b", "main")
      git(project, "add", "-A")
      git(project, "commit", "-q", "-m", "first")
      // What the caller sees but has not committed: an edit, and an untracked file.
      writeFileSync(join(project, "tracked.txt"), "edited, not committed\n")
      writeFileSync(join(project, "notes.txt"), "untracked notes\n")
    },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const read = (path: string) => readFileSync(path, "utf8")
const callsOf = (messages: StoredMessage[], mode: string) =>
  sessionToolParts(messages)
    .filter((part) => part.state.input.mode === mode)
    .map(toolOutcome)
const bashOutputs = (messages: StoredMessage[]) =>
  toolParts(messages)
    .filter((part) => part.tool === "bash")
    .map((part) => toolOutcome(part).text)

/** Starts two isolated forks that each write their own version of shared.txt, and waits for both. */
async function twoForks(tag: string): Promise<{ caller: string; forks: string[]; worktrees: string[]; messages: StoredMessage[] }> {
  const fork = (version: string) =>
    callSession({
      mode: "fork",
      agent: "beta",
      isolation: "worktree",
      text: lines(`Try ${version}.`, `@bash pwd && cat notes.txt tracked.txt && echo '${version}' > shared.txt && echo '${version}' > ${version}.txt`),
    })
  const caller = await oc.startSession(
    lines(`Two approaches (${tag}).`, fork(`${tag}-A`), fork(`${tag}-B`), `@after-tool ${callSession({ mode: "wait" })}`),
    "alpha",
  )
  const messages = await answered(oc, caller, 1, 60_000)
  const forks = startedSessionsIn(messages)
  expect(forks).toHaveLength(2)
  const worktrees = await Promise.all(forks.map(worktreeOf))
  return { caller, forks, worktrees, messages }
}

/** Where an isolated session works: from the start marker on its first message (the record status reads too). */
async function worktreeOf(sessionID: string): Promise<string> {
  const marker = (await oc.messages(sessionID))
    .map(pluginMarker)
    .filter((found) => found?.kind === "start")
    .at(-1)
  if (!marker?.isolation) throw new Error(`${sessionID} has no worktree in its start marker`)
  return join(marker.isolation.directory, marker.isolation.prefix)
}

describe("isolation: worktree", () => {
  it("gives each fork its own worktree made from what the caller sees; the caller's files stay as they are", async () => {
    const since = oc.events.length
    const { forks, worktrees, messages } = await twoForks("iso1")
    // Each wrote its own version of the same file, in its own worktree.
    expect(read(join(worktrees[0]!, "shared.txt"))).toBe("iso1-A\n")
    expect(read(join(worktrees[1]!, "shared.txt"))).toBe("iso1-B\n")
    expect(read(join(oc.projectDir, "shared.txt"))).toBe("base\n")
    expect(existsSync(join(oc.projectDir, "iso1-A.txt"))).toBe(false)
    // Each saw the caller's untracked file and uncommitted edit, and ran in its worktree.
    for (const [index, id] of forks.entries()) {
      const [output] = bashOutputs(await answeredBy(oc, id, "beta"))
      expect(output).toContain(worktrees[index]!)
      expect(output).toContain("untracked notes")
      expect(output).toContain("edited, not committed")
    }
    // Once running there, each has its own title, and the person was told where it runs.
    for (const id of forks) {
      const { data: session } = await oc.client.session.get({ path: { id } })
      expect(session?.title).toMatch(/^Fork \(beta\): Try iso1-[AB]\./)
      expect(toasts(oc, since).map((toast) => toast.message)).toContain(`alpha forked beta: ${session?.title} (in its own worktree)`)
    }
    // The wait's answers name each worktree and the files changed.
    const [waited] = callsOf(messages, "wait")
    expect(waited!.text).toMatch(/^Finished: 2 of 2/)
    for (const worktree of worktrees) expect(waited!.text).toContain(`worktree ${worktree}`)
    expect(waited!.text).toContain("shared.txt +1 -1")
  })

  it("status names each isolated fork's worktree and changed files", async () => {
    const { caller, worktrees } = await twoForks("iso2")
    await oc.say(caller, callSession({ mode: "status" }), "alpha")
    const [status] = callsOf(await answered(oc, caller, 2), "status")
    for (const worktree of worktrees) expect(status!.text).toContain(`worktree ${worktree}`)
    expect(status!.text).toMatch(/2 files changed\W+iso2-A\.txt \+1 -0, shared\.txt \+1 -1/)
  })

  it("adopt brings exactly one fork's change into the caller's directory, keeps the caller's edits, removes its worktree; discard keeps the other's work under a ref", async () => {
    const { caller, forks, worktrees } = await twoForks("iso3")
    await oc.say(caller, callSession({ mode: "adopt", session: forks[0] }), "alpha")
    const [adopted] = callsOf(await answered(oc, caller, 2), "adopt")
    expect(adopted!.status).toBe("completed")
    expect(adopted!.text).toContain(`Adopted ${forks[0]}: 2 files changed`)
    expect(read(join(oc.projectDir, "shared.txt"))).toBe("iso3-A\n")
    expect(read(join(oc.projectDir, "iso3-A.txt"))).toBe("iso3-A\n")
    expect(existsSync(join(oc.projectDir, "iso3-B.txt"))).toBe(false)
    expect(read(join(oc.projectDir, "tracked.txt"))).toBe("edited, not committed\n")
    expect(existsSync(worktrees[0]!)).toBe(false)
    expect(read(join(worktrees[1]!, "shared.txt"))).toBe("iso3-B\n")

    await oc.say(caller, callSession({ mode: "discard", session: forks[1] }), "alpha")
    const [discarded] = callsOf(await answered(oc, caller, 3), "discard")
    expect(discarded!.status).toBe("completed")
    expect(existsSync(worktrees[1]!)).toBe(false)
    const ref = `refs/opencode-sessions/discarded/${forks[1]}`
    expect(discarded!.text).toContain(ref)
    expect(git(oc.projectDir, "show", `${ref}:shared.txt`)).toBe("iso3-B\n")
    // Put the caller's directory back for the next test.
    git(oc.projectDir, "checkout", "--", "shared.txt")
    execFileSync("rm", ["-f", join(oc.projectDir, "iso3-A.txt")])
  })

  it("refuses a colliding adopt whole: nothing applied, the fork's worktree stays", async () => {
    const { caller, forks, worktrees } = await twoForks("iso4")
    writeFileSync(join(oc.projectDir, "shared.txt"), "the caller's own change\n")
    try {
      await oc.say(caller, callSession({ mode: "adopt", session: forks[0] }), "alpha")
      const [refused] = callsOf(await answered(oc, caller, 2), "adopt")
      expect(refused!.status).toBe("error")
      expect(refused!.text).toContain("adopt refused, nothing applied")
      expect(refused!.text).toContain("shared.txt")
      expect(read(join(oc.projectDir, "shared.txt"))).toBe("the caller's own change\n")
      expect(existsSync(join(oc.projectDir, "iso4-A.txt"))).toBe(false)
      expect(read(join(worktrees[0]!, "shared.txt"))).toBe("iso4-A\n")
    } finally {
      git(oc.projectDir, "checkout", "--", "shared.txt")
    }
  })

  it("refuses isolation with message, and adopting a session this caller did not start", async () => {
    const { forks } = await twoForks("iso5")
    const other = await oc.startSession(
      lines("Not mine.", callSession({ mode: "adopt", session: forks[0] }), callSession({ mode: "message", agent: "beta", isolation: "worktree", text: "x" })),
      "alpha",
    )
    const messages = await answered(oc, other, 1)
    const [adopt] = callsOf(messages, "adopt")
    expect(adopt!.status).toBe("error")
    expect(adopt!.text).toContain(`${forks[0]} is not a session you started`)
    const [message] = callsOf(messages, "message")
    expect(message!.status).toBe("error")
    expect(message!.text).toContain('isolation "worktree" applies to new and fork only')
  })

  it("a fork that changed nothing loses its worktree once it has finished; status says so", async () => {
    const caller = await oc.startSession(
      lines(
        "Just look.",
        callSession({ mode: "fork", agent: "beta", isolation: "worktree", text: lines("Only read.", "@bash cat shared.txt") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
      "alpha",
    )
    const messages = await answered(oc, caller, 1, 60_000)
    const [fork] = startedSessionsIn(messages)
    const worktree = await worktreeOf(fork!)
    await oc.waitFor("the unchanged worktree removed", () => !existsSync(worktree), 20_000)
    await oc.say(caller, callSession({ mode: "status" }), "alpha")
    const [status] = callsOf(await answered(oc, caller, 2), "status")
    expect(status!.text).toContain("its worktree is removed: it changed nothing")
  })

  it("deleting an isolated session removes its worktree and keeps its work under a ref", async () => {
    const { forks, worktrees } = await twoForks("iso6")
    await oc.client.session.delete({ path: { id: forks[0]! } })
    await oc.waitFor("the deleted session's worktree removed", () => !existsSync(worktrees[0]!), 20_000)
    expect(git(oc.projectDir, "show", `refs/opencode-sessions/discarded/${forks[0]}:shared.txt`)).toBe("iso6-A\n")
    expect(existsSync(worktrees[1]!)).toBe(true)
  })

  it("after a restart, status still names the isolated forks' worktrees and adopt still works", async () => {
    const { caller, forks, worktrees } = await twoForks("iso7")
    await oc.restart()
    await oc.say(caller, callSession({ mode: "status" }), "alpha")
    const [status] = callsOf(await answered(oc, caller, 2), "status")
    for (const worktree of worktrees) expect(status!.text).toContain(`worktree ${worktree}`)
    await oc.say(caller, callSession({ mode: "adopt", session: forks[1] }), "alpha")
    const [adopted] = callsOf(await answered(oc, caller, 3), "adopt")
    expect(adopted!.text).toContain(`Adopted ${forks[1]}: 2 files changed`)
    expect(read(join(oc.projectDir, "shared.txt"))).toBe("iso7-B\n")
    git(oc.projectDir, "checkout", "--", "shared.txt")
    execFileSync("rm", ["-f", join(oc.projectDir, "iso7-B.txt")])
  })

  it("a worktree whose session was deleted unseen is found after a restart: removed, its work kept under a ref", async () => {
    const id = "ses_orphan0000000000000000"
    const worktree = join(oc.projectDir, "..", "data", "opencode", "worktree", "opencode-sessions", id)
    const base = git(oc.projectDir, "rev-parse", "HEAD").trim()
    git(oc.projectDir, "update-ref", `refs/opencode-sessions/base/${id}`, base)
    git(oc.projectDir, "worktree", "add", "-q", "-b", `opencode-sessions/${id}`, worktree, base)
    writeFileSync(join(worktree, "orphan.txt"), "work nobody adopted\n")
    await oc.restart()
    await answered(oc, await oc.startSession("@say hello", "alpha"), 1)
    await oc.waitFor("the orphaned worktree removed", () => !existsSync(worktree), 20_000)
    expect(git(oc.projectDir, "show", `refs/opencode-sessions/discarded/${id}:orphan.txt`)).toBe("work nobody adopted\n")
    expect(git(oc.projectDir, "branch", "--list", `opencode-sessions/${id}`)).toBe("")
  })
})
