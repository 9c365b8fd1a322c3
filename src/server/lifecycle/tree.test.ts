/** A tree of started sessions as the lifecycle holds it: who asks the person, how deep each is, what the tree cost. */
import { describe, expect, it } from "vitest"
import { assistant, calls, sessionCall, startMarker, startedRecord, stored, user } from "../../../test/fixtures/stored.js"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import type { Ask } from "../../core/life.js"
import type { Stored } from "../../core/stored.js"
import { OpencodeCallError } from "../host/errors.js"

const PERSON = "ses_person"
const bash: Ask = { id: "per_1", kind: "permission", what: "bash: echo hi" }

function setup(sessions: Record<string, Stored[]> = {}) {
  const reads: string[] = []
  const opencode = fakeOpencode({
    messages: async (sessionID: string) => {
      reads.push(sessionID)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return messages
    },
  })
  const over = lifecycleOver(opencode)
  /** Person → ses_a → ses_b → ses_c, each started by the one before, all running. */
  const chain = () => {
    for (const [id, from, depth] of [
      ["ses_a", PERSON, 1],
      ["ses_b", "ses_a", 2],
      ["ses_c", "ses_b", 3],
    ] as const) {
      over.lifecycle.started(id, startMarker(from, { title: `T ${id}`, agent: "build", depth }))
      over.lifecycle.began(id)
    }
  }
  return { ...over, reads, chain }
}

describe("asks", () => {
  it("a started session that asks is asking, and everyone hears it once: the Asked signal names the ask and its caller", () => {
    const { lifecycle, heard, chain } = setup()
    chain()
    lifecycle.asked("ses_c", bash)
    lifecycle.asked("ses_c", bash) // both copies of the plugin on 1.0, or the list read after a restart
    expect(lifecycle.life("ses_c")?.state).toEqual({ state: "asking", asks: [bash] })
    expect(heard.filter((one) => one.signal === "asked").map((one) => one.payload)).toEqual([{ sessionID: "ses_c", callerID: "ses_b", ask: bash }])
    expect(lifecycle.askersUnder(PERSON)).toEqual([{ sessionID: "ses_c", title: "T ses_c", agent: "build", asks: [bash] }])
    expect(lifecycle.askersUnder("ses_c")).toHaveLength(1)
    expect(lifecycle.askersUnder("ses_b")).toHaveLength(1)
    lifecycle.askClosed("ses_c", "per_1")
    expect(lifecycle.life("ses_c")?.state).toEqual({ state: "running" })
    expect(lifecycle.askersUnder(PERSON)).toEqual([])
  })

  it("an ask in a session this copy does not hold (started before a restart) is read back, then held as asking; the person's own asks are not the tool's", async () => {
    const { lifecycle, reads, heard } = setup({
      [PERSON]: stored(user("u1", "go"), calls("a1", [sessionCall("c1", { mode: "new" }, startedRecord("ses_old"))])),
      ses_old: stored(user("o1", "go", startMarker(PERSON, { call: "a1" }))),
    })
    lifecycle.asked("ses_old", bash)
    await expect.poll(() => lifecycle.life("ses_old")?.state).toEqual({ state: "asking", asks: [bash] })
    expect(heard.some((one) => one.signal === "asked")).toBe(true)
    lifecycle.asked(PERSON, { ...bash, id: "per_2" })
    await expect.poll(() => reads.filter((id) => id === PERSON).length).toBeGreaterThan(0)
    expect(lifecycle.life(PERSON)).toBeUndefined()
  })
})

describe("depth, roots and what a tree cost", () => {
  it("knows each session's depth from its marker, and its root and ancestors from the chain", async () => {
    const { lifecycle, chain } = setup()
    chain()
    expect(await lifecycle.depthOf(PERSON)).toBe(0)
    expect(await lifecycle.depthOf("ses_c")).toBe(3)
    expect(lifecycle.rootOf("ses_c")).toBe(PERSON)
    expect(lifecycle.rootOf(PERSON)).toBe(PERSON)
    expect([lifecycle.isUnder("ses_c", PERSON), lifecycle.isUnder("ses_c", "ses_a"), lifecycle.isUnder("ses_a", "ses_c")]).toEqual([true, true, false])
    expect(lifecycle.descendants("ses_a").map((life) => life.sessionID)).toEqual(["ses_b", "ses_c"])
  })

  it("counts a depth from the chain for a marker written before depths were (read back from the store)", async () => {
    const { lifecycle } = setup({
      ses_mid: stored(user("m1", "go", startMarker(PERSON, { call: "a1" }))),
      [PERSON]: stored(user("u1", "go"), calls("a1", [sessionCall("c1", { mode: "new" }, startedRecord("ses_mid"))])),
    })
    lifecycle.started("ses_low", startMarker("ses_mid"))
    expect(await lifecycle.depthOf("ses_low")).toBe(2)
  })

  it("adds up everything started under a session, at every depth, and nothing of its own or beside it", () => {
    const { lifecycle, chain } = setup()
    chain()
    lifecycle.started("ses_elsewhere", startMarker("ses_other_person"))
    const spend = (id: string, input: number) => lifecycle.used(id, `m_${id}`, Date.now(), { input, output: 1, cost: 0.01 })
    for (const [id, input] of [
      ["ses_a", 100],
      ["ses_b", 20],
      ["ses_c", 3],
      ["ses_elsewhere", 5000],
    ] as const)
      spend(id, input)
    expect(lifecycle.treeSpent(PERSON)).toEqual({ input: 123, output: 3, cost: expect.closeTo(0.03, 6) })
    expect(lifecycle.treeSpent("ses_a")).toEqual({ input: 23, output: 2, cost: expect.closeTo(0.02, 6) })
    expect(lifecycle.treeSpent("ses_c")).toEqual({ input: 0, output: 0, cost: 0 })
  })

  it("reads back the sessions of a tree it does not hold, level by level, for status", async () => {
    const person = stored(user("u1", "go"), calls("a1", [sessionCall("c1", { mode: "new" }, startedRecord("ses_top"))]))
    const { lifecycle } = setup({
      ses_top: stored(user("t1", "go", startMarker(PERSON, { call: "a1" })), calls("t2", [sessionCall("c2", { mode: "new" }, startedRecord("ses_deep"))])),
      ses_deep: stored(user("d1", "go", startMarker("ses_top", { call: "t2" })), assistant("d2", "Done.", { tokens: { input: 40, output: 2, reasoning: 0 } })),
      [PERSON]: person,
    })
    const top = await lifecycle.livesOf(PERSON, person)
    await lifecycle.readTree(top)
    expect(lifecycle.descendants(PERSON).map((life) => life.sessionID)).toEqual(["ses_top", "ses_deep"])
    expect(lifecycle.treeSpent(PERSON).input).toBe(40)
  })
})

describe("the sessions a caller started", () => {
  it("are in the order their calls reached the tool, whichever was made first (a step's starts are made at once)", () => {
    const { lifecycle } = setup()
    lifecycle.started("ses_second", startMarker(PERSON, { title: "second" }), 20)
    lifecycle.started("ses_first", startMarker(PERSON, { title: "first" }), 10)
    expect(lifecycle.heldChildren(PERSON).map((life) => life.sessionID)).toEqual(["ses_first", "ses_second"])
  })
})
