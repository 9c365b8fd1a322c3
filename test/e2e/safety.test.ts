/**
 * Reliability and safety of hand-offs in a real OpenCode: exactly once, in order, bounded,
 * cancellable, and isolated from other sessions' failures (refusals.test.ts: permissions and
 * deletions).
 * The plugin is loaded with options, through the `[path, options]` tuple form.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness } from "./harness.js"
import { callSession, lines, sessionToolParts, shape, startedBy, textOf, toolOutcome } from "./script.js"
import { answered, deliveredAndAnswered, fence, toasts } from "./waits.js"
import { answerForkRequests } from "./permission-replies.js"

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

/** A chain of `hops` hand-offs, alternating beta and alpha, each carrying the rest. */
function chain(hops: number, tag: string): string {
  let text = `${tag}: end of the chain`
  for (let hop = hops; hop >= 1; hop--) {
    text = lines(`${tag} hop ${hop}`, callSession({ mode: "message", agent: hop % 2 === 1 ? "beta" : "alpha", text }))
  }
  return text
}

const userAgents = (messages: Parameters<typeof shape>[0]) => shape(messages).filter((s) => s.startsWith("user:"))
const idleCount = (sessionID: string) => oc.events.filter((e) => e.type === "session.idle" && e.properties.sessionID === sessionID).length

describe("loop guard", () => {
  it(`refuses the hand-off after ${LIMIT} automatic ones in a row, and the person's message resets the count`, async () => {
    const since = oc.events.length
    const id = await oc.startSession(chain(LIMIT + 2, "run"), "alpha")
    const messages = await oc.waitFor("the refused hand-off", async () => {
      const all = await oc.messages(id)
      return sessionToolParts(all).some((part) => toolOutcome(part).status === "error") ? all : undefined
    })
    expect(userAgents(messages)).toEqual(["user:alpha", "user:beta", "user:alpha", "user:beta"])
    const refused = sessionToolParts(messages).map(toolOutcome).at(-1)!
    expect(refused.status).toBe("error")
    expect(refused.text).toContain(`${LIMIT} automatic hand-offs in a row without a message from the person`)
    await oc.waitFor("a toast about the refusal", () => toasts(oc, since).find((t) => t.message.includes("automatic hand-offs in a row")))

    // The person writes: the count starts again, and a new chain of LIMIT hand-offs runs in full.
    await oc.say(id, chain(LIMIT, "again"), "alpha")
    const after = await deliveredAndAnswered(oc, id, "beta", "again: end of the chain")
    expect(userAgents(after).slice(4)).toEqual(["user:alpha", "user:beta", "user:alpha", "user:beta"])
    expect(
      sessionToolParts(after)
        .map(toolOutcome)
        .slice(-LIMIT)
        .map((o) => o.status),
    ).toEqual(Array(LIMIT).fill("completed"))
  })
})

describe("depth across forks", () => {
  it("bounds a chain of forks each starting the next at maxDepth (2): the third is refused, whatever the hand-off count", async () => {
    let text = "last"
    for (let hop = LIMIT + 1; hop >= 1; hop--) text = lines(`spawn ${hop}`, callSession({ mode: "fork", agent: hop % 2 ? "beta" : "alpha", text }))
    // Forks are set to "ask" in this file: answer every request as it comes.
    const answering = answerForkRequests(oc)
    try {
      const root = await oc.startSession(text, "alpha")
      // Follow the chain root → fork → fork … until a call in it is refused.
      const { chain, refusal } = await oc.waitFor("a refused spawn in the chain", async () => {
        const chain = [root]
        for (;;) {
          const part = sessionToolParts(await oc.messages(chain.at(-1)!))[0]
          if (!part) return undefined
          const outcome = toolOutcome(part)
          if (outcome.status === "error") return { chain, refusal: outcome.text }
          if (outcome.status !== "completed") return undefined
          chain.push(startedBy(part)!)
        }
      })
      expect(refusal).toContain("this session is at depth 2")
      expect(refusal).toContain("(option maxDepth")
      // root (depth 0) forked 1, 1 forked 2; the call of session 2 was refused.
      expect(chain).toHaveLength(3)
    } finally {
      await answering.stop()
    }
  })
})

describe("abort", () => {
  it("drops what the interrupted turn queued, and says so in a toast", async () => {
    const since = oc.events.length
    const id = await oc.startSession(lines(callSession({ mode: "message", agent: "beta", text: "never delivered" }), "@after-tool @hang"), "alpha")
    await oc.waitFor("the hand-off to be queued", async () => sessionToolParts(await oc.messages(id)).some((p) => toolOutcome(p).status === "completed"))
    await oc.client.session.abort({ path: { id } })
    const toast = await oc.waitFor("the abort toast", () => toasts(oc, since).find((t) => t.message.startsWith("Interrupted")))
    expect(toast.message).toContain("dropped 1 queued hand-off (message → beta)")
    const messages = await fence(oc, id)
    expect(userAgents(messages)).toEqual(["user:alpha", "user:build"])
    expect(messages.some((m) => textOf(m).includes("never delivered") && m.info.role === "user" && m.info.agent === "beta")).toBe(false)
  })
})

describe("abort during a delivered turn", () => {
  it("stops the chain: the interrupted hand-off's successors are dropped", async () => {
    const since = oc.events.length
    const id = await oc.startSession(
      lines(
        callSession({ mode: "message", agent: "beta", text: lines("interrupted turn", "@hang") }),
        callSession({ mode: "message", agent: "alpha", text: "dropped follower" }),
      ),
      "alpha",
    )
    await oc.waitFor("the first hand-off's turn to be running", async () =>
      (await oc.messages(id)).some((m) => m.info.role === "user" && m.info.agent === "beta"),
    )
    await oc.client.session.abort({ path: { id } })
    const toast = await oc.waitFor("the abort toast", () => toasts(oc, since).find((t) => t.message.startsWith("Interrupted")))
    expect(toast.message).toContain("dropped 1 queued hand-off (message → alpha)")
    const messages = await fence(oc, id)
    expect(userAgents(messages)).toEqual(["user:alpha", "user:beta", "user:build"])
  })
})

describe("exactly once, in order", () => {
  it("delivers each hand-off once even when OpenCode signals idle twice", async () => {
    const id = await oc.startSession(
      lines(
        callSession({ mode: "message", agent: "beta", text: lines("one", "@delay 500") }),
        callSession({ mode: "message", agent: "alpha", text: "two" }),
        "@after-tool @fail",
      ),
      "alpha",
    )
    await deliveredAndAnswered(oc, id, "alpha", "two")
    // More idle signals on purpose: aborting an idle session publishes idle again.
    for (let i = 0; i < 3; i++) await oc.client.session.abort({ path: { id } })
    const messages = await fence(oc, id)
    expect(userAgents(messages)).toEqual(["user:alpha", "user:beta", "user:alpha", "user:build"])
    const runs = userAgents(messages).length
    expect(idleCount(id)).toBeGreaterThan(runs) // the duplicates really happened
    expect(textOf(messages.find((m) => m.info.role === "user" && m.info.agent === "beta")!)).toContain("one")
  })

  it("a failing target turn is delivered once, not retried, and the next hand-off still works", async () => {
    const since = oc.events.length
    const id = await oc.startSession(
      lines(
        callSession({ mode: "message", agent: "beta", text: lines("doomed turn", "@fail") }),
        callSession({ mode: "message", agent: "alpha", text: "next one" }),
      ),
      "alpha",
    )
    const messages = await deliveredAndAnswered(oc, id, "alpha", "next one")
    expect(userAgents(messages)).toEqual(["user:alpha", "user:beta", "user:alpha"])
    const failedTurn = messages[messages.findIndex((m) => m.info.role === "user" && m.info.agent === "beta") + 1]!
    expect(failedTurn.info.role === "assistant" && failedTurn.info.error).toBeTruthy()
    const doomedRequests = oc.model.requests.filter((r) => r.reply === "error" && JSON.stringify(r.messages.at(-1)).includes("doomed turn"))
    expect(doomedRequests).toHaveLength(1)
    await oc.waitFor("an error toast for the failed turn", () => toasts(oc, since).find((t) => t.variant === "error" && t.message.includes("beta")))
    expect(textOf(messages.at(-2)!)).toContain("next one")
  })

  it("keeps every session's hand-offs to itself, once each and in order, under load", async () => {
    const sessions = 6
    const ids = await Promise.all(
      Array.from({ length: sessions }, (_, s) =>
        oc.startSession(
          lines(`load ${s}`, ...[1, 2, 3].map((n) => callSession({ mode: "message", agent: n === 2 ? "beta" : "alpha", text: `tag-${s}-${n}` }))),
          "alpha",
        ),
      ),
    )
    const results = await Promise.all(ids.map((id) => answered(oc, id, 4, 60_000).then(() => fence(oc, id))))
    results.forEach((messages, s) => {
      const handedOver = messages.slice(1).filter((m) => m.info.role === "user")
      const delivered = handedOver.map((m) => /tag-\d+-\d+/.exec(textOf(m))?.[0]).filter(Boolean)
      expect(delivered).toEqual([`tag-${s}-1`, `tag-${s}-2`, `tag-${s}-3`])
      expect(userAgents(messages)).toEqual(["user:alpha", "user:alpha", "user:beta", "user:alpha", "user:build"])
    })
  })
})
