/**
 * Nothing started waits unseen or runs away, in a real OpenCode: a started session that asks the
 * person is named by status and wait (which returns at once), toasted, and reported once the
 * person has answered; a chain of starts stops at maxDepth; a tree's tokens are one number in
 * status, and maxTreeTokens stops every session of a tree that passes it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness } from "./harness.js"
import { permissionAskedIn, replyToPermission } from "./permission-replies.js"
import { callSession, lines, pluginMarker, reportedSessions, sessionToolParts, startedBy, textOf } from "./script.js"
import { answered, isReport, sessionResults, toasts } from "./waits.js"

const TREE_LIMIT = 20_000
let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: {
      alpha: { mode: "primary", description: "Leads." },
      worker: { mode: "primary", description: "Runs commands, each asked of the person.", permission: { bash: "ask" } },
      asker: { mode: "primary", description: "Asks the person questions.", permission: { question: "allow" } },
    },
    pluginOptions: { maxTreeTokens: TREE_LIMIT },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

/** The session the caller's `index`th call started. */
async function started(callerID: string, index = 0): Promise<string> {
  return oc.waitFor(`the session ${callerID}'s call ${index} started`, async () => {
    const part = sessionToolParts(await oc.messages(callerID))[index]
    return part && startedBy(part)
  })
}

describe("asks", () => {
  it("a started session's permission ask: wait returns naming it while it waits, status names it, a toast names it; approved, its answer is reported", async () => {
    const since = oc.events.length
    const work = lines("Say hello.", "@bash echo hello-from-worker", "@after-tool @say Said hello.")
    const text = lines(
      "Start a worker, then wait.",
      callSession({ mode: "new", agent: "worker", report: true, text: work }),
      `@after-tool ${callSession({ mode: "wait", timeout: 120 })}`,
    )
    const root = await oc.startSession(text, "alpha")
    const worker = await started(root)
    const ask = await permissionAskedIn(oc, worker, since)
    expect(ask.permission).toBe("bash")

    // The wait returns while the ask is open (its timeout is 120 s), naming the session and the ask.
    const [, waited] = await sessionResults(oc, root, 2)
    expect(waited?.status).toBe("completed")
    expect(waited?.text).toMatch(/^Finished: 0 of 1/)
    expect(waited?.text).toContain(`${worker} "`)
    expect(waited?.text).toContain("asks the person: permission bash: echo hello-from-worker")
    expect(waited?.text).toContain("you cannot answer for them")
    await answered(oc, root, 1)

    const toast = await oc.waitFor("the ask's toast", () => toasts(oc, since).find((t) => t.message.includes("waits for you")))
    expect(toast.message).toContain("(agent worker)")
    expect(toast.message).toContain("permission bash: echo hello-from-worker")

    await oc.say(root, callSession({ mode: "status" }), "alpha")
    const [, , status] = await sessionResults(oc, root, 3)
    expect(status?.text).toMatch(new RegExp(`${worker} "[^"]*": new, agent worker, waiting for the person to answer permission bash: echo hello-from-worker`))

    // The person approves in that session: it runs the command, answers, and its answer is reported back.
    await replyToPermission(oc, ask.id, "once")
    const report = await oc.waitFor("the worker's report", async () =>
      (await oc.messages(root)).find((m) => isReport(m) && reportedSessions(m).includes(worker)),
    )
    expect(textOf(report)).toContain("Said hello.")
  })
})

describe("questions", () => {
  it("a started session's question: wait returns naming it; answered by the person, the session's answer is reported", async () => {
    const since = oc.events.length
    const question = { questions: [{ question: "Which database?", header: "Database", options: [{ label: "Postgres", description: "SQL" }] }] }
    const work = lines("Ask first.", `@call question ${JSON.stringify(question)}`, "@after-tool @say Going with the answer.")
    const text = lines(
      "Start one that asks.",
      callSession({ mode: "new", agent: "asker", report: true, text: work }),
      `@after-tool ${callSession({ mode: "wait", timeout: 120 })}`,
    )
    const root = await oc.startSession(text, "alpha")
    const session = await started(root)
    const asked = await oc.waitFor("the question", () =>
      oc.events.slice(since).find((e) => e.type === ("question.asked" as string) && (e.properties as { sessionID?: string }).sessionID === session),
    )
    const [, waited] = await sessionResults(oc, root, 2)
    expect(waited?.text).toContain('asks the person: question "Which database?"')
    const id = (asked.properties as { id: string }).id
    const reply = await fetch(`${oc.url}/question/${id}/reply?directory=${encodeURIComponent(oc.projectDir)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: [["Postgres"]] }),
    })
    expect(reply.ok).toBe(true)
    const report = await oc.waitFor("the report", async () => (await oc.messages(root)).find((m) => isReport(m) && reportedSessions(m).includes(session)))
    expect(textOf(report)).toContain("Going with the answer.")
  })
})

describe("depth", () => {
  it("a chain of sessions each starting the next stops at maxDepth (2): the third start is refused plainly, and nothing is made", async () => {
    let text = "@say The end."
    for (let hop = 3; hop >= 1; hop--) text = lines(`Level ${hop}.`, callSession({ mode: "new", agent: "alpha", text }))
    const before = (await oc.client.session.list()).data?.length ?? 0
    const root = await oc.startSession(text, "alpha")
    const first = await started(root)
    const second = await started(first)
    const [refusal] = await sessionResults(oc, second, 1)
    expect(refusal?.status).toBe("error")
    expect(refusal?.text).toContain("this session is at depth 2")
    expect(refusal?.text).toContain("past the limit of 2 (option maxDepth")
    expect(refusal?.text).toContain("Nothing was started")
    expect((await oc.client.session.list()).data?.length).toBe(before + 3)
  })
})

describe("a tree's cost", () => {
  it("status counts what each started session started in turn, and everything under the caller, at every depth", async () => {
    const deep = lines("Deep work.", "@usage 300 30", "@say Deep done.")
    const middle = lines(
      "Middle work.",
      "@usage 200 20",
      callSession({ mode: "new", agent: "alpha", text: deep }),
      `@after-tool ${callSession({ mode: "wait" })}`,
    )
    const root = await oc.startSession(
      lines("Top.", callSession({ mode: "new", agent: "alpha", text: middle }), `@after-tool ${callSession({ mode: "wait" })}`),
      "alpha",
    )
    await sessionResults(oc, root, 2)
    await answered(oc, root, 1)
    await oc.say(root, callSession({ mode: "status" }), "alpha")
    const [, , status] = await sessionResults(oc, root, 3)
    expect(status?.text).toMatch(/tokens 220 in, 30 out; with the 1 session it started, at every depth: tokens 300 in, 30 out/)
    expect(status?.text).toContain("Everything started from here, at every depth (2 sessions): tokens 520 in, 60 out.")
  })

  it(`maxTreeTokens (${TREE_LIMIT}): once a tree passes it, each of its running sessions stops at its next step, and the reports say why`, async () => {
    const since = oc.events.length
    const below = lines("Spend more.", "@usage 15000 10", "@bash echo spent", "@after-tool @hang")
    const middle = lines(
      "Spend.",
      "@usage 15000 10",
      callSession({ mode: "new", agent: "alpha", report: true, text: below }),
      `@after-tool ${callSession({ mode: "wait", timeout: 120 })}`,
    )
    const root = await oc.startSession(lines("Top.", callSession({ mode: "new", agent: "alpha", report: true, text: middle })), "alpha")
    const first = await started(root)
    const second = await started(first)
    const stopNote = (sessionID: string) =>
      oc.waitFor(`the stop noted in ${sessionID}`, async () => (await oc.messages(sessionID)).map(pluginMarker).find((marker) => marker?.kind === "stop"))
    expect(await stopNote(second)).toMatchObject({ by: "max-tree-tokens", limit: TREE_LIMIT })
    expect(await stopNote(first)).toMatchObject({ by: "max-tree-tokens", limit: TREE_LIMIT })
    const report = await oc.waitFor("the report of the first", async () =>
      (await oc.messages(root)).find((m) => isReport(m) && reportedSessions(m).includes(first)),
    )
    expect(textOf(report)).toMatch(/used \d+ tokens together, over the limit of 20000 \(option maxTreeTokens\)/)
    await oc.waitFor("the toast", () => toasts(oc, since).find((t) => t.message.includes("option maxTreeTokens")))
  })
})
