/**
 * A team, in a real OpenCode: named sessions message each other by name and their caller as
 * "caller", each answered by the recipient's own agent with the reply sent back; a start `after`
 * another begins only once that one has answered, and carries its answer; names and waits in
 * status, in the caller and inside a started session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness, type StoredMessage } from "./harness.js"
import { callRecord, callSession, completedAt, lines, pluginMarker, sessionToolParts, textOf } from "./script.js"
import { answered, namedStarts, sessionResults } from "./waits.js"

let oc: Harness

beforeAll(async () => {
  oc = await startOpencode({
    agents: {
      alpha: { mode: "primary", description: "Leads." },
      beta: { mode: "primary", description: "Researches." },
      gamma: { mode: "primary", description: "Writes." },
    },
  })
})

afterEach(async (context) => {
  if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await oc.transcript()}`)
})

afterAll(async () => {
  await oc?.stop()
})

const agentOf = (message: StoredMessage) => (message.info.role === "user" ? message.info.agent : undefined)

/** The first user message in `sessionID` the plugin delivered with a marker of `kind`, and what follows it. */
async function delivered(sessionID: string, kind: string, holds: string): Promise<{ message: StoredMessage; after: StoredMessage[] }> {
  return oc.waitFor(`a ${kind} holding "${holds}" in ${sessionID}, answered`, async () => {
    const messages = await oc.messages(sessionID)
    const at = messages.findIndex((m) => m.info.role === "user" && pluginMarker(m)?.kind === kind && textOf(m).includes(holds))
    const after = messages.slice(at + 1)
    const done = after.some((m) => m.info.role === "assistant" && m.info.time.completed && m.info.finish !== "tool-calls")
    return at >= 0 && done ? { message: messages[at]!, after } : undefined
  })
}

describe("a team", () => {
  it("two named siblings: one messages the other by name, the other's agent answers, and the reply comes back", async () => {
    const note = lines("Here is what I found.", "@say researcher read the writer's note")
    const writer = lines("Write it up.", callSession({ mode: "message", session: "researcher", report: true, text: note }), callSession({ mode: "status" }))
    const root = await oc.startSession(
      lines(
        "Start a team.",
        callSession({ mode: "new", agent: "beta", name: "researcher", text: lines("Research.", "@delay 2500", "@say research done") }),
        callSession({ mode: "new", agent: "gamma", name: "writer", text: writer }),
      ),
      "alpha",
    )
    const ids = await namedStarts(oc, root, ["researcher", "writer"])
    const researcherID = ids.get("researcher")!
    const writerID = ids.get("writer")!

    // The names are in the results and the titles.
    const [first] = await sessionResults(oc, root, 2)
    expect(first?.text).toContain(`named "researcher"`)
    const titles = await Promise.all([researcherID, writerID].map(async (id) => (await oc.client.session.get({ path: { id } })).data?.title))
    expect(titles[0]).toMatch(/^researcher - New \(beta\)/)
    expect(titles[1]).toMatch(/^writer - New \(gamma\)/)

    // The writer's message reaches the researcher, first line naming the sender; the researcher's agent answers it.
    const message = await delivered(researcherID, "follow-up", "Here is what I found.")
    expect(agentOf(message.message)).toBe("beta")
    expect(textOf(message.message)).toContain(`[Message from session ${writerID} "writer" (agent "gamma"), started by the same session as you`)
    expect(message.after.map(textOf).join("\n")).toContain("researcher read the writer's note")

    // The reply goes back to the writer, with the researcher's answer.
    const reply = await delivered(writerID, "report", "researcher read the writer's note")
    expect(textOf(reply.message)).toContain(`[Reply from session ${researcherID}`)
    expect(agentOf(reply.message)).toBe("gamma")

    // Status inside the writer names its team: its caller, and the researcher by name.
    const writerResults = await sessionResults(oc, writerID, 2)
    const status = writerResults.find((result) => result.text.includes("Your team"))
    expect(status?.text).toContain(`Your team: you are writer (${writerID}), started by agent alpha in session ${root}`)
    expect(status?.text).toMatch(new RegExp(`- researcher \\(${researcherID}\\): agent beta, (working|idle)`))
  })

  it("a started session asks its caller mid-run; the caller's agent answers, and the answer reaches the asker", async () => {
    const question = lines("Which colour should the button be?", "@say The button should be blue.")
    const helper = lines(
      "Build the button.",
      callSession({ mode: "message", session: "caller", report: true, text: question }),
      "@after-tool @say asked my caller",
    )
    const root = await oc.startSession(lines("Delegate.", callSession({ mode: "new", agent: "beta", name: "helper", text: helper })), "alpha")
    const helperID = (await namedStarts(oc, root, ["helper"])).get("helper")!

    // The question lands in the caller's session, answered by the caller's own agent.
    const asked = await delivered(root, "follow-up", "Which colour should the button be?")
    expect(agentOf(asked.message)).toBe("alpha")
    expect(textOf(asked.message)).toContain(`[Message from session ${helperID} "helper" (agent "beta"), a session you started`)
    expect(asked.after.map(textOf).join("\n")).toContain("The button should be blue.")

    // Its answer goes back to the helper as a reply.
    const reply = await delivered(helperID, "report", "The button should be blue.")
    expect(textOf(reply.message)).toContain(`[Reply from session ${root}`)
  })

  it("a start after another: made at once, waits (status says for whom), begins only once that one answered, and carries its answer", async () => {
    const root = await oc.startSession(
      lines(
        "Research, then review.",
        callSession({ mode: "new", agent: "beta", name: "digger", text: lines("Dig.", "@delay 3000", "@say The culprit is cache.ts line 42.") }),
        callSession({ mode: "new", agent: "gamma", name: "reviewer", after: "digger", text: "@say reviewed the finding" }),
        `@after-tool ${callSession({ mode: "status" })}`,
      ),
      "alpha",
    )
    const ids = await namedStarts(oc, root, ["digger", "reviewer"])
    const diggerID = ids.get("digger")!
    const reviewerID = ids.get("reviewer")!

    const [, made, status] = await sessionResults(oc, root, 3)
    expect(made?.text).toMatch(/its first turn waits until digger \(ses_\w+\) has finished/)
    expect(status?.text).toContain(`- reviewer (${reviewerID}) "`)
    expect(status?.text).toContain(`waiting to start until digger (${diggerID}) finished (after)`)

    // The reviewer's first message comes after the digger's answer, and holds it under the digger's name.
    const diggerDone = await answered(oc, diggerID, 1)
    const answeredAt = completedAt(diggerDone.find((m) => m.info.role === "assistant" && textOf(m).includes("The culprit"))!)
    const reviewer = await answered(oc, reviewerID, 1)
    const firstMessage = reviewer.find((m) => m.info.role === "user")!
    expect(firstMessage.info.time.created).toBeGreaterThanOrEqual(answeredAt)
    const text = textOf(firstMessage)
    expect(text).toContain("[The session you were started after has finished")
    expect(text).toContain(`digger (${diggerID}) "`)
    expect(text).toContain("The culprit is cache.ts line 42.")
    expect(text.indexOf("The culprit")).toBeLessThan(text.indexOf("@say reviewed the finding"))
    expect(reviewer.map(textOf).join("\n")).toContain("reviewed the finding")
  })

  it("stop drops a start waiting after another, by its name: it never begins, even once the other has answered", async () => {
    const root = await oc.startSession(
      lines(
        "Research, then maybe review.",
        callSession({ mode: "new", agent: "beta", name: "slow", text: lines("Take time.", "@delay 1500", "@say Slow done.") }),
        callSession({ mode: "new", agent: "gamma", name: "later", after: "slow", text: "@say Later ran." }),
        `@after-tool ${callSession({ mode: "stop", session: "later" })}`,
      ),
      "alpha",
    )
    const ids = await namedStarts(oc, root, ["slow", "later"])
    const [, , stopped] = await sessionResults(oc, root, 3)
    expect(stopped?.text).toContain(`- later (${ids.get("later")}) "`)
    expect(stopped?.text).toContain("had not started; it will not start")
    await answered(oc, ids.get("slow")!, 1)
    await oc.waitIdle(root)
    // It holds the stop's note, and no turn of its own.
    const later = await oc.messages(ids.get("later")!)
    expect(later.map((message) => pluginMarker(message)?.kind)).toEqual(["stop"])
    expect(later.filter((message) => message.info.role === "assistant")).toEqual([])
  })

  it("refuses, plainly and making nothing, a name taken, a bad name, an unknown after, and a cycle in one step", async () => {
    const root = await oc.startSession(
      lines(
        "Bad team.",
        callSession({ mode: "new", agent: "beta", name: "twin", text: "@say one" }),
        callSession({ mode: "new", agent: "beta", name: "twin", text: "@say two" }),
        callSession({ mode: "new", agent: "beta", name: "no spaces!", text: "@say three" }),
        callSession({ mode: "new", agent: "beta", after: "nobody", text: "@say four" }),
        callSession({ mode: "new", agent: "beta", name: "ping", after: "pong", text: "@say five" }),
        callSession({ mode: "new", agent: "beta", name: "pong", after: "ping", text: "@say six" }),
      ),
      "alpha",
    )
    const outcomes = await sessionResults(oc, root, 6)
    const started = sessionToolParts(await oc.messages(root)).filter((part) => callRecord(part)?.kind === "started")
    expect(started).toHaveLength(1)
    const refusals = outcomes.filter((outcome) => outcome.status === "error").map((outcome) => outcome.text)
    expect(refusals).toHaveLength(5)
    expect(refusals.some((text) => /name "twin" is taken/.test(text) || /"twin"[^\n]*already/.test(text))).toBe(true)
    expect(refusals.some((text) => text.includes("no spaces!"))).toBe(true)
    expect(refusals.some((text) => text.includes('"nobody" is not a session you started'))).toBe(true)
    expect(refusals.some((text) => text.includes("neither could begin"))).toBe(true)
  })
})
