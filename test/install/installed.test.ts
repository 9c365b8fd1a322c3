/**
 * The package as people get it: packed, published to a local registry, and installed by
 * OpenCode itself by name (`"plugin": ["opencode-sessions"]`) into a fresh cache, with no
 * checkout on any path OpenCode sees. Real agents then hand over and fork through it. And the
 * README's one-step install, `opencode plugin opencode-sessions`, run for real against that
 * registry, leaves both parts configured.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { OPENCODE_BIN, startOpencode, type Harness } from "../e2e/harness.js"
import { callSession, lines, reportedSessions, sessionToolParts, shape, startedBy, textOf } from "../e2e/script.js"
import { answered, answeredBy, isReport } from "../e2e/waits.js"
import { packCheckout, type Packed } from "./pack.js"
import { startRegistry, type Registry } from "./registry.js"
import { run } from "./run.js"

let registry: Registry
let packed: Packed
let oc: Harness

beforeAll(async () => {
  packed = await packCheckout()
  registry = await startRegistry()
  await registry.publish(packed.tarball)
  oc = await startOpencode({ install: { registry: registry.url }, agents: { reviewer: { mode: "primary", description: "Reviews what it is given." } } })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail" && oc) console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
  await registry?.stop()
  packed?.remove()
})

describe("installed by name from a registry", () => {
  it("hands the conversation to another agent", async () => {
    const id = await oc.startSession(
      lines("Get this reviewed.", callSession({ mode: "message", agent: "reviewer", text: "@say Reviewed: looks right." })),
      "build",
    )
    const messages = await answeredBy(oc, id, "reviewer")
    expect(shape(messages)).toEqual(["user:build", "assistant:build", "assistant:build", "user:reviewer", "assistant:reviewer"])
    expect(textOf(messages[3]!)).toMatch(/Handed over by agent "build"/)
    expect(textOf(messages.at(-1)!)).toContain("Reviewed: looks right.")
  })

  it("forks the conversation, and the fork's answer is reported back", async () => {
    const id = await oc.startSession(
      lines("Explore.", callSession({ mode: "fork", agent: "reviewer", report: true, text: "@say The other approach works." })),
      "build",
    )
    const forkID = startedBy(sessionToolParts(await answered(oc, id, 1))[0]!)!
    expect(forkID).toBeTruthy()
    const messages = await oc.waitFor("the fork's report, answered", async () => {
      const all = await oc.messages(id)
      const report = all.findIndex((message) => isReport(message) && reportedSessions(message).includes(forkID))
      return report > 0 && all.length > report + 1 && all.at(-1)!.info.role === "assistant" ? all : undefined
    })
    expect(textOf(messages.find(isReport)!)).toContain("The other approach works.")
    const fork = await answered(oc, forkID, 1)
    expect(shape(fork).slice(-2)).toEqual(["user:reviewer", "assistant:reviewer"])
  })

  it("was named only by its name, and installed by OpenCode into its own cache", () => {
    const config = JSON.parse(readFileSync(join(oc.projectDir, "opencode.json"), "utf8")) as { plugin: unknown }
    expect(config.plugin).toEqual(["opencode-sessions"])
    const packages = join(oc.projectDir, "..", "cache", "opencode", "packages")
    // OpenCode keeps an install per spec it resolved (here "opencode-sessions@latest"), beside an empty folder of the bare name.
    const installed = readdirSync(packages).filter((name) => existsSync(join(packages, name, "node_modules", "opencode-sessions", "dist", "index.js")))
    expect(installed.length, `no install of opencode-sessions in ${packages}: ${readdirSync(packages).join(", ")}`).toBeGreaterThan(0)
  })
})

describe("opencode plugin opencode-sessions", () => {
  it("installs the package from the registry and adds it to both opencode.json and tui.json", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "opencode-sessions-plugin-command-"))
    try {
      const project = join(scratch, "project")
      mkdirSync(project)
      const env = {
        ...process.env,
        XDG_CONFIG_HOME: join(scratch, "config"),
        XDG_DATA_HOME: join(scratch, "data"),
        XDG_STATE_HOME: join(scratch, "state"),
        XDG_CACHE_HOME: join(scratch, "cache"),
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        npm_config_registry: registry.url,
      }
      const printed = await run(OPENCODE_BIN, ["plugin", "opencode-sessions"], { cwd: project, env })
      expect(printed).toMatch(/server \+ tui target/)
      for (const file of ["opencode.json", "tui.json"]) {
        const config = JSON.parse(readFileSync(join(project, ".opencode", file), "utf8")) as { plugin?: unknown }
        expect(config.plugin, file).toEqual(["opencode-sessions"])
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    }
  }, 120_000)
})
