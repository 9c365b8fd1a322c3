/**
 * What the plugin refuses, and what it forgets, in a real OpenCode: permission rules (deny,
 * ask), isolation outside git, and deleted sessions, which leave nothing behind.
 * The plugin is loaded with options, through the `[path, options]` tuple form.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness } from "./harness.js"
import { callSession, lines, sessionToolParts, startedBy, textOf, toolOutcome } from "./script.js"
import { answered, answeredBy, toasts } from "./waits.js"

const LIMIT = 3
let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: { alpha: { mode: "primary", description: "First." }, beta: { mode: "primary", description: "Second." } },
    pluginOptions: { maxAutomaticHandoffs: LIMIT },
    permission: { session: { "*": "allow", "new:*": "deny", "fork:*": "ask" } },
    logLevel: "DEBUG",
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

describe("permissions", () => {
  it("deny: refuses with a clear result, and creates nothing", async () => {
    const since = oc.events.length
    const before = (await oc.client.session.list()).data!.length
    const id = await oc.startSession(callSession({ mode: "new", agent: "beta", text: "not allowed" }), "alpha")
    const messages = await oc.waitFor("the refused call", async () => {
      const all = await oc.messages(id)
      return sessionToolParts(all).some((p) => toolOutcome(p).status === "error") ? all : undefined
    })
    expect(toolOutcome(sessionToolParts(messages)[0]!).text).toContain("prevents you from using this specific tool call")
    await oc.waitFor("a toast about the refusal", () => toasts(oc, since).find((t) => t.message.includes("Not allowed: session new:beta")))
    await oc.waitIdle(id)
    expect((await oc.client.session.list()).data!.length).toBe(before + 1)
  })

  async function askedFork(text: string) {
    const id = await oc.startSession(callSession({ mode: "fork", agent: "beta", text }), "alpha")
    const asked = await oc.waitForEvent(
      "the permission request",
      (e) => e.type === ("permission.asked" as string) && (e.properties as { sessionID?: string }).sessionID === id,
    )
    const request = asked.properties as unknown as { id: string; permission: string; patterns: string[] }
    expect(request.permission).toBe("session")
    expect(request.patterns).toEqual(["fork:beta"])
    return { id, requestID: request.id }
  }

  async function reply(requestID: string, answer: "once" | "reject") {
    const response = await fetch(`${oc.url}/permission/${requestID}/reply?directory=${encodeURIComponent(oc.projectDir)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reply: answer }),
    })
    expect(response.status).toBe(200)
  }

  it("ask, rejected: nothing is created", async () => {
    const before = (await oc.client.session.list()).data!.length
    const { id, requestID } = await askedFork("rejected fork")
    await reply(requestID, "reject")
    await oc.waitIdle(id)
    const outcome = toolOutcome(sessionToolParts(await oc.messages(id))[0]!)
    expect(outcome.status).toBe("error")
    expect(outcome.text).toContain("rejected")
    expect((await oc.client.session.list()).data!.length).toBe(before + 1)
  })

  it("ask, allowed once: the fork is created and answered", async () => {
    const { id, requestID } = await askedFork("allowed fork")
    await reply(requestID, "once")
    const messages = await answered(oc, id, 1)
    const [call] = sessionToolParts(messages)
    expect(toolOutcome(call!).status).toBe("completed")
    const forked = await answeredBy(oc, startedBy(call!)!, "beta")
    expect(textOf(forked.at(-2)!)).toContain("allowed fork")
  })
})

describe("isolation outside git", () => {
  it("refuses an isolated fork and new outside a git repository: nothing is created or run", async () => {
    const before = (await oc.client.session.list()).data!.length
    const requests = oc.model.requests.length
    const id = await oc.startSession(
      lines(
        "Isolate.",
        callSession({ mode: "fork", agent: "beta", isolation: "worktree", text: "@say should not run" }),
        callSession({ mode: "new", agent: "beta", isolation: "worktree", text: "@say should not run" }),
      ),
      "alpha",
    )
    const outcomes = sessionToolParts(await answered(oc, id, 1)).map(toolOutcome)
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["error", "error"])
    for (const outcome of outcomes) expect(outcome.text).toMatch(/isolation "worktree" needs a git repository, and .* is not in one/)
    expect((await oc.client.session.list()).data!.length).toBe(before + 1)
    // No started session's turn ran: no model request was ever handed the task.
    const handedOver = oc.model.requests.slice(requests).filter((request) => {
      const last = JSON.stringify(request.messages.at(-1) ?? {})
      return last.includes("Handed over") && last.includes("should not run")
    })
    expect(handedOver).toEqual([])
  })
})

describe("deleted sessions", () => {
  it("drops a deleted session's pending hand-offs quietly; other sessions carry on", async () => {
    const since = oc.events.length
    const doomed = await oc.startSession(lines(callSession({ mode: "message", agent: "beta", text: "orphan" }), "@after-tool @hang"), "alpha")
    const survivor = await oc.startSession(callSession({ mode: "message", agent: "beta", text: lines("survivor", "@delay 1500") }), "alpha")
    await oc.waitFor("the doomed hand-off to be queued", async () =>
      sessionToolParts(await oc.messages(doomed)).some((p) => toolOutcome(p).status === "completed"),
    )
    await oc.client.session.delete({ path: { id: doomed } })
    const messages = await answeredBy(oc, survivor, "beta")
    expect(textOf(messages.at(-2)!)).toContain("survivor")
    const all = (await oc.client.session.list()).data!
    for (const session of all) {
      const delivered = (await oc.messages(session.id)).filter((m) => m.info.role === "user" && textOf(m).includes("orphan"))
      expect(delivered.every((m) => m.info.role === "user" && m.info.agent === "alpha")).toBe(true)
    }
    expect(toasts(oc, since).filter((t) => t.variant === "error")).toEqual([])
  })

  it("holds no state for sessions once they are deleted", async () => {
    const releasedLines = () =>
      oc
        .output()
        .split("\n")
        .filter((line) => line.includes("state released"))
    const before = releasedLines().length
    const sessions = (await oc.client.session.list()).data!
    expect(sessions.length).toBeGreaterThan(5)
    for (const session of sessions) await oc.client.session.delete({ path: { id: session.id } })
    const released = await oc.waitFor("the plugin's log line after the last deletion", () => {
      const logged = releasedLines()
      return logged.length >= before + sessions.length ? logged.at(-1) : undefined
    })
    expect(released).toContain("sessions=0 queued=0 started=0")
  })
})
