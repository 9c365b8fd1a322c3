import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { FileClaims } from "./claims.js"
import { currentOwner } from "./files.js"
import { PendingCallers } from "./pending.js"

const scratch: string[] = []
afterEach(() => {
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true })
})

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), "opencode-sessions-claims-"))
  scratch.push(made)
  return made
}

/** Runs `racers` Node processes at once, each claiming `key` in `home` and running on a while (as OpenCode would); resolves with what each got. */
async function race(home: string, key: string, racers: number): Promise<boolean[]> {
  const module = new URL("./claims.ts", import.meta.url).pathname
  const script = `const { FileClaims } = await import(${JSON.stringify(module)}); process.stdout.write(String(new FileClaims(${JSON.stringify(home)}).claim(${JSON.stringify(key)}))); await new Promise((resolve) => setTimeout(resolve, 1500))`
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

describe("FileClaims", () => {
  it("gives a claim to one process of many racing for it", async () => {
    const home = folder()
    const got = await race(home, "report:ses_a,ses_b", 6)
    expect(got.filter(Boolean)).toHaveLength(1)
  })

  it("lets a running process keep what it claimed, and hands over a claim whose process has ended to one racer", async () => {
    const home = folder()
    const claims = new FileClaims(home)
    expect(claims.claim("handoff:call_1")).toBe(true)
    expect(claims.claim("handoff:call_1")).toBe(true)
    // Held by this (running) process: no other process gets it.
    expect((await race(home, "handoff:call_1", 3)).filter(Boolean)).toHaveLength(0)
    // Held by a process that has ended (a process id of a past boot names none).
    const [file] = readdirSync(home)
    writeFileSync(join(home, file!), JSON.stringify({ pid: process.pid, boot: currentOwner().boot - 10_000 }))
    expect((await race(home, "handoff:call_1", 4)).filter(Boolean)).toHaveLength(1)
  }, 30_000)

  it("gives up a claim on release, and keeps claims a day before tidying them away", () => {
    const home = folder()
    const claims = new FileClaims(home)
    claims.claim("a")
    claims.release("a")
    expect(readdirSync(home)).toEqual([])
    claims.claim("b")
    claims.tidy(Date.now() + 60 * 60 * 1000)
    expect(readdirSync(home)).toHaveLength(1)
    claims.tidy(Date.now() + 25 * 60 * 60 * 1000)
    expect(readdirSync(home)).toEqual([])
  })
})

describe("PendingCallers", () => {
  it("notes a session owed work, clears it, and hands over only what a process that has ended left", () => {
    const home = folder()
    const claims = new FileClaims(join(home, "claims"))
    const mine = new PendingCallers(home, "/project", claims)
    mine.mark("ses_mine")
    const ofDirectory = join(home, "pending", readdirSync(join(home, "pending"))[0]!)
    writeFileSync(join(ofDirectory, "ses_ended.json"), JSON.stringify({ pid: 1, boot: currentOwner().boot - 10_000 }))
    writeFileSync(join(ofDirectory, "ses_running.json"), JSON.stringify({ pid: process.ppid, boot: currentOwner().boot }))
    // A later copy of the plugin in this process takes over its own process's and the ended one's, not a running process's.
    expect(new PendingCallers(home, "/project", claims).takeOver().sort()).toEqual(["ses_ended", "ses_mine"])
    expect(new PendingCallers(home, "/other", claims).takeOver()).toEqual([])
    mine.clear("ses_mine")
    expect(readdirSync(ofDirectory).sort()).toEqual(["ses_ended.json", "ses_running.json"])
  })
})
