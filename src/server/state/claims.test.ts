import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { fakeOpencode } from "../../../test/fixtures/server.js"
import { Notifier } from "../host/notify.js"
import { shared } from "../host/process.js"
import { Claims } from "./claims.js"
import { currentOwner, readOwner } from "./files.js"
import { PendingCallers } from "./pending.js"

const scratch: string[] = []
// Claims among the plugin's copies are the process's: each test starts as a fresh process.
beforeEach(() => shared().claimed.clear())
afterEach(() => {
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), "opencode-sessions-claims-"))
  scratch.push(made)
  return made
}

/** Makes `path` look written `seconds` ago. */
function age(path: string, seconds: number): void {
  const then = new Date(Date.now() - seconds * 1000)
  utimesSync(path, then, then)
}

/** Runs `racers` Node processes at once, each claiming `key` in `home` and running on a while (as OpenCode would); resolves with what each got. */
async function race(home: string, key: string, racers: number): Promise<boolean[]> {
  const module = new URL("./claims.ts", import.meta.url).pathname
  const script = `const { Claims } = await import(${JSON.stringify(module)}); process.stdout.write(String(new Claims(${JSON.stringify(home)}).claim(${JSON.stringify(key)}))); await new Promise((resolve) => setTimeout(resolve, 1500))`
  const tsx = join(process.cwd(), "node_modules", "tsx", "dist", "loader.mjs")
  const runs = Array.from(
    { length: racers },
    () =>
      new Promise<boolean>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] })
        let out = ""
        let err = ""
        child.stdout.on("data", (data: Buffer) => (out += data.toString()))
        child.stderr.on("data", (data: Buffer) => (err += data.toString()))
        child.once("exit", (code) => (code === 0 ? resolve(out === "true") : reject(new Error(`racer exited ${code}: ${err}`))))
      }),
  )
  return Promise.all(runs)
}

describe("Claims between processes", () => {
  it("gives a claim to one process of many racing for it", async () => {
    const home = folder()
    const got = await race(home, "report:ses_a,ses_b", 6)
    expect(got.filter(Boolean)).toHaveLength(1)
  }, 30_000)

  it("lets a running process keep what it claimed, and hands over a claim whose process has ended to one racer", async () => {
    const home = folder()
    const claims = new Claims(home)
    expect(claims.claim("handoff:call_1")).toBe(true)
    expect(claims.claim("handoff:call_1")).toBe(true)
    // Held by this (running) process: no other process gets it.
    expect((await race(home, "handoff:call_1", 3)).filter(Boolean)).toHaveLength(0)
    // Held by a process that has ended (a process id of a past boot names none).
    const [file] = readdirSync(home)
    writeFileSync(join(home, file!), JSON.stringify({ pid: process.pid, boot: currentOwner().boot - 10_000 }))
    expect((await race(home, "handoff:call_1", 4)).filter(Boolean)).toHaveLength(1)
  }, 30_000)

  it("gives up a claim on release, in this process and between processes, and keeps claims a day before tidying them away", () => {
    const home = folder()
    const claims = new Claims(home)
    expect(claims.inProcess(["a"])).toBe(true)
    claims.claim("a")
    claims.release(["a"], "a")
    expect(readdirSync(home)).toEqual([])
    expect(claims.heldInProcess("a")).toBe(false)
    claims.claim("b")
    claims.tidy(Date.now() + 60 * 60 * 1000)
    expect(readdirSync(home)).toHaveLength(1)
    claims.tidy(Date.now() + 25 * 60 * 60 * 1000)
    expect(readdirSync(home)).toEqual([])
    new Claims(join(home, "never-made")).tidy()
  })

  it("does not release a claim another process holds", () => {
    const home = folder()
    const claims = new Claims(home)
    claims.claim("c")
    const [file] = readdirSync(home)
    writeFileSync(join(home, file!), JSON.stringify({ pid: process.ppid, boot: currentOwner().boot }))
    claims.release([], "c")
    expect(readdirSync(home)).toEqual([file])
    expect(claims.claim("c")).toBe(false)
  })
})

describe("Claims among the plugin's copies in this process", () => {
  it("claims all of a set of keys or none, for every copy, until released", () => {
    const [one, other] = [new Claims(folder()), new Claims(folder())]
    expect(one.inProcess(["ses_a", "ses_b"])).toBe(true)
    expect(other.heldInProcess("ses_a")).toBe(true)
    expect(other.inProcess(["ses_b", "ses_c"])).toBe(false)
    // None of a refused set is taken.
    expect(one.heldInProcess("ses_c")).toBe(false)
    other.release(["ses_a", "ses_b"], "nothing-held")
    expect(other.inProcess(["ses_b", "ses_c"])).toBe(true)
  })
})

describe("a claim file that names no owner", () => {
  it.each([
    ["is not JSON", "{ half-written", /names no owner/],
    ["names no owner", JSON.stringify({ pid: "12", boot: 1 }), /names no owner \(.*number/],
  ])("%s: is said, left alone while it may still be written, then taken over", (_, content, why) => {
    const home = folder()
    const skipped: string[] = []
    const claims = new Claims(home, (message) => void skipped.push(message))
    claims.claim("k")
    const [file] = readdirSync(home)
    const path = join(home, file!)
    writeFileSync(path, content)
    expect(claims.claim("k")).toBe(false)
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toContain(path)
    expect(skipped[0]).toMatch(why)
    age(path, 60)
    expect(claims.claim("k")).toBe(true)
    expect(readOwner(path)).toEqual(currentOwner())
  })

  it("reads an empty file (caught between its creation and its write) as no owner, without a word", () => {
    const home = folder()
    const skipped: string[] = []
    writeFileSync(join(home, "empty"), "")
    expect(readOwner(join(home, "empty"), (message) => void skipped.push(message))).toBeUndefined()
    expect(readOwner(join(home, "absent"), (message) => void skipped.push(message))).toBeUndefined()
    expect(skipped).toEqual([])
  })
})

describe("PendingCallers", () => {
  function setup(owes: (sessionID: string) => boolean = () => false) {
    const home = folder()
    const said: string[] = []
    const opencode = fakeOpencode({
      toast: async (message, variant) => void said.push(`${variant}: ${message}`),
      log: async (level, message) => void (level === "debug" && said.push(`debug: ${message}`)),
    })
    const deps = { claims: new Claims(join(home, "claims")), notifier: new Notifier(opencode, false), owed: { owes } }
    const callers = (directory = "/project") => new PendingCallers(home, directory, deps)
    return { home, said, callers, notes: () => readdirSync(join(home, "pending", readdirSync(join(home, "pending"))[0]!)).sort() }
  }

  it("notes a session owed work, clears it, and hands over only what a process that has ended left", () => {
    const { home, callers, notes } = setup()
    const mine = callers()
    mine.mark("ses_mine")
    const ofDirectory = join(home, "pending", readdirSync(join(home, "pending"))[0]!)
    expect(readOwner(join(ofDirectory, "ses_mine.json"))).toEqual(currentOwner())
    writeFileSync(join(ofDirectory, "ses_ended.json"), JSON.stringify({ pid: 1, boot: currentOwner().boot - 10_000 }))
    writeFileSync(join(ofDirectory, "ses_running.json"), JSON.stringify({ pid: process.ppid, boot: currentOwner().boot }))
    // A later copy of the plugin in this process takes over its own process's and the ended one's, not a running process's.
    expect(callers().takeOver().sort()).toEqual(["ses_ended", "ses_mine"])
    expect(readOwner(join(ofDirectory, "ses_ended.json"))).toEqual(currentOwner())
    expect(callers("/other").takeOver()).toEqual([])
    mine.clear("ses_mine")
    expect(notes()).toEqual(["ses_ended.json", "ses_running.json"])
  })

  it("takes over a note that names no owner, and says so in the log", () => {
    const { home, said, callers } = setup()
    callers().mark("ses_a")
    const ofDirectory = join(home, "pending", readdirSync(join(home, "pending"))[0]!)
    writeFileSync(join(ofDirectory, "ses_garbled.json"), "not json")
    expect(callers().takeOver().sort()).toEqual(["ses_a", "ses_garbled"])
    expect(said).toEqual([expect.stringMatching(/^debug: Pending note taken over: .*ses_garbled\.json names no owner/)])
    expect(readOwner(join(ofDirectory, "ses_garbled.json"))).toEqual(currentOwner())
  })

  it("clears a session's note on settle only once nothing is owed to it", () => {
    const owed = new Set(["ses_a"])
    const { callers, notes } = setup((sessionID) => owed.has(sessionID))
    const pending = callers()
    pending.mark("ses_a")
    pending.settle("ses_a")
    expect(notes()).toEqual(["ses_a.json"])
    owed.delete("ses_a")
    pending.settle("ses_a")
    expect(notes()).toEqual([])
  })

  it("says so when a note cannot be written or cleared, and tries again on the next mark", () => {
    const { home, said, callers } = setup()
    writeFileSync(join(home, "pending"), "a file where the folder goes")
    const pending = callers()
    pending.mark("ses_a")
    expect(said).toEqual([expect.stringMatching(/^error: Could not note work owed to ses_a \(it would not be resumed if OpenCode stopped now\)/)])
    rmSync(join(home, "pending"))
    pending.mark("ses_a")
    expect(said).toHaveLength(1)
    const ofDirectory = join(home, "pending", readdirSync(join(home, "pending"))[0]!)
    expect(existsSync(join(ofDirectory, "ses_a.json"))).toBe(true)
    // A note that cannot go: a folder in its place.
    rmSync(join(ofDirectory, "ses_a.json"))
    mkdirSync(join(ofDirectory, "ses_a.json", "inside"), { recursive: true })
    pending.clear("ses_a")
    expect(said[1]).toMatch(/^warning: Could not clear the note of work owed to ses_a/)
  })
})
