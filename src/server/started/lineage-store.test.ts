import { describe, expect, it } from "vitest"
import type { Outcome } from "../../core/outcome.js"
import { callMetadata, markerMetadata, type StartMarker, type StopMarker, type Stored } from "../../core/protocol.js"
import { OpencodeCallError } from "../errors.js"
import type { Opencode } from "../host/opencode.js"
import type { FollowUp } from "./follow-ups.js"
import { LineageStore, mapLimited } from "./lineage-store.js"

const marker = (fromSession: string, agent = "plan"): StartMarker => ({
  kind: "start",
  fromAgent: "build",
  fromSession,
  mode: "fork",
  agent,
  report: "together",
  call: "a1",
  title: `Fork (${agent}): x`,
})
const user = (id: string, start?: StartMarker | StopMarker): Stored => ({
  info: { id, role: "user" },
  parts: [{ type: "text", text: "go", metadata: start && markerMetadata(start) }],
})
const answer = (text: string): Stored => ({
  info: { id: "a9", role: "assistant", time: { created: 1, completed: 2 }, finish: "stop" },
  parts: [{ type: "text", text }],
})
/** A started session as the store holds it: its first message carries the marker, then its answer. */
const startedSession = (fromSession: string, agent: string, said?: string): Stored[] => [
  user("u1", marker(fromSession, agent)),
  ...(said ? [answer(said)] : []),
]
/** The caller's turn with a completed `session` call for each of `sessions`, in that order. */
const caller = (...sessions: string[]): Stored[] => [
  user("u0"),
  {
    info: { id: "a1", role: "assistant" },
    parts: sessions.map((session, index) => ({
      type: "tool",
      tool: "session",
      callID: `c${index}`,
      state: {
        status: "completed",
        output: "words",
        metadata: callMetadata({
          kind: "started",
          v: 1,
          fromAgent: "build",
          session,
          mode: "fork",
          agent: "plan",
          report: "together",
          waiting: false,
          isolated: false,
        }),
      },
    })),
  },
]

/** A fake store: `reads` lists each read as "id" (whole history) or "id/limit"; a deleted session answers 404. */
function setup(sessions: Record<string, Stored[]>) {
  const reads: string[] = []
  const opencode = {
    messages: async (sessionID: string, limit?: number) => {
      reads.push(limit ? `${sessionID}/${limit}` : sessionID)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID} (HTTP 404)`, "not found", 404)
      return limit ? messages.slice(-limit) : messages
    },
  } as unknown as Opencode
  return { lineage: new LineageStore(opencode), reads }
}

const notRunning = () => false

describe("LineageStore.markerOf", () => {
  it("reads a started session's marker once, then answers from memory", async () => {
    const { lineage, reads } = setup({ ses_child: startedSession("ses_parent", "plan") })
    expect((await lineage.markerOf("ses_child"))?.fromSession).toBe("ses_parent")
    expect((await lineage.markerOf("ses_child", true))?.agent).toBe("plan")
    expect(reads).toEqual(["ses_child"])
    expect(lineage.known("ses_child")?.fromSession).toBe("ses_parent")
  })

  it("never reads again a session that ran a turn without a marker, but reads again one that had no turn yet", async () => {
    const { lineage, reads } = setup({ ses_person: [user("u1"), answer("Hi.")], ses_fresh: [] })
    expect(await lineage.markerOf("ses_person", true)).toBeUndefined()
    expect(await lineage.markerOf("ses_person", true)).toBeUndefined()
    expect(await lineage.markerOf("ses_person")).toBeUndefined()
    expect(await lineage.markerOf("ses_fresh")).toBeUndefined()
    expect(await lineage.markerOf("ses_fresh")).toBeUndefined()
    expect(reads).toEqual(["ses_person", "ses_fresh", "ses_fresh"])
  })

  it("reads a session not started by the tool again once it is forgotten", async () => {
    const { lineage, reads } = setup({ ses_person: [user("u1"), answer("Hi.")] })
    await lineage.markerOf("ses_person", true)
    lineage.forget("ses_person")
    await lineage.markerOf("ses_person", true)
    expect(reads).toEqual(["ses_person", "ses_person"])
  })

  it("shares one server read between two lookups of the same session made at once", async () => {
    // No marker and no turn: nothing is cached, so only the sharing can save the second read.
    const { lineage, reads } = setup({ ses_fresh: [user("u1")] })
    expect(await Promise.all([lineage.markerOf("ses_fresh"), lineage.markerOf("ses_fresh")])).toEqual([undefined, undefined])
    expect(reads).toEqual(["ses_fresh"])
    await lineage.markerOf("ses_fresh")
    expect(reads).toEqual(["ses_fresh", "ses_fresh"])
  })

  it("answers undefined for a deleted session", async () => {
    const { lineage, reads } = setup({})
    expect(await lineage.markerOf("ses_gone", true)).toBeUndefined()
    expect(reads).toEqual(["ses_gone"])
  })
})

describe("LineageStore.view", () => {
  const outcomes = (views: Awaited<ReturnType<LineageStore["view"]>>) => views.map((view) => [view.sessionID, view.agent, view.outcome])

  it("lists the caller's started sessions in call order, from its records then from memory, each with its outcome", async () => {
    const { lineage, reads } = setup({
      ses_B: startedSession("ses_parent", "plan", "B done."),
      ses_A: startedSession("ses_parent", "docs", "A done."),
      ses_C: startedSession("ses_parent", "review"),
      ses_other: [user("u1"), answer("Not started by the tool.")],
    })
    lineage.remember("ses_C", marker("ses_parent", "review"))
    lineage.remember("ses_elsewhere", marker("ses_someone_else"))
    const running = (id: string) => id === "ses_C"
    const views = await lineage.view("ses_parent", caller("ses_B", "ses_other", "ses_A"), running)
    expect(outcomes(views)).toEqual([
      ["ses_B", "plan", { state: "idle", answer: "B done." }],
      ["ses_A", "docs", { state: "idle", answer: "A done." }],
      ["ses_C", "review", { state: "working" }],
    ])
    expect(views[0]).toMatchObject({ fromSession: "ses_parent", mode: "fork", report: "together" })
    // The unknown ones are read whole, once; the remembered one only for its last two messages.
    expect([...reads].sort()).toEqual(["ses_A", "ses_B", "ses_C/2", "ses_other"])
  })

  it("owes a follow-up's turn apart from the session's first; one a stop dropped reads as stopped, one never sent as never started", async () => {
    const stop: StopMarker = { kind: "stop", fromSession: "ses_parent", by: "person", dropped: ["fu_dropped"] }
    const { lineage } = setup({
      ses_A: [...startedSession("ses_parent", "docs", "A done."), user("u_stop", stop)],
      ses_B: startedSession("ses_parent", "plan", "B done."),
    })
    const followUp = (id: string, sessionID: string): FollowUp => ({ id, sessionID, callerID: "ses_parent", agent: "review", report: "each", call: "a1" })
    const onItsWay = (item: FollowUp) => item.id === "fu_queued"
    const turns = await lineage.owedTurns(
      "ses_parent",
      caller("ses_A", "ses_B"),
      notRunning,
      [followUp("fu_dropped", "ses_A"), followUp("fu_queued", "ses_B"), followUp("fu_lost", "ses_B")],
      onItsWay,
    )
    expect(turns.map((turn) => [turn.key, turn.agent, turn.outcome])).toEqual([
      ["ses_A", "docs", { state: "stopped", by: "person" }],
      ["ses_A/fu_dropped", "review", { state: "stopped", by: "person" }],
      ["ses_B", "plan", { state: "idle", answer: "B done." }],
      ["ses_B/fu_queued", "review", { state: "waiting" }],
      ["ses_B/fu_lost", "review", { state: "never-started" }],
    ])
  })

  it("reads only the last two messages of each session once its marker is known", async () => {
    const { lineage, reads } = setup({ ses_A: startedSession("ses_parent", "plan", "Done.") })
    await lineage.view("ses_parent", caller("ses_A"), notRunning)
    const second = await lineage.view("ses_parent", caller("ses_A"), notRunning)
    expect(outcomes(second)).toEqual([["ses_A", "plan", { state: "idle", answer: "Done." }]])
    expect(reads).toEqual(["ses_A", "ses_A/2"])
  })

  it("drops a deleted session it has not seen from the list, and has no outcome for a deleted one", async () => {
    const { lineage } = setup({ ses_A: startedSession("ses_parent", "plan", "Done.") })
    expect(outcomes(await lineage.view("ses_parent", caller("ses_gone", "ses_A"), notRunning))).toEqual([["ses_A", "plan", { state: "idle", answer: "Done." }]])
    expect(await lineage.outcomeOf("ses_gone", false)).toBeUndefined()
  })

  it("keeps listing a deleted session known in memory, without an outcome (status calls it deleted)", async () => {
    const { lineage, reads } = setup({})
    lineage.remember("ses_known_gone", marker("ses_parent"))
    expect(outcomes(await lineage.view("ses_parent", [], notRunning))).toEqual([["ses_known_gone", "plan", undefined]])
    expect(reads).toEqual(["ses_known_gone/2"])
  })

  it("uses a settled outcome, without reading, while the session is not running", async () => {
    const { lineage, reads } = setup({ ses_A: startedSession("ses_parent", "plan", "Stored answer.") })
    const failed: Outcome = { state: "failed", error: "APIError: overloaded" }
    lineage.remember("ses_A", marker("ses_parent"))
    lineage.settle("ses_A", failed)
    expect(await lineage.outcomeOf("ses_A", false)).toEqual(failed)
    expect(reads).toEqual([])
    expect(await lineage.outcomeOf("ses_A", true)).toEqual({ state: "working" })
    expect(reads).toEqual(["ses_A/2"])
    expect(outcomes(await lineage.view("ses_parent", [], notRunning))).toEqual([["ses_A", "plan", failed]])
  })

  it("prefers a settled outcome over the store's for a session it reads for the first time", async () => {
    const { lineage } = setup({ ses_A: startedSession("ses_parent", "plan", "Stored answer.") })
    lineage.settle("ses_A", { state: "interrupted" })
    expect(outcomes(await lineage.view("ses_parent", caller("ses_A"), notRunning))).toEqual([["ses_A", "plan", { state: "interrupted" }]])
    expect(outcomes(await lineage.view("ses_parent", caller("ses_A"), () => true))).toEqual([["ses_A", "plan", { state: "working" }]])
  })
})

describe("mapLimited", () => {
  /** Work that ends after `ms`, counting how many run at once. */
  function counted() {
    let running = 0
    const seen = { most: 0, started: [] as number[] }
    const work = async (ms: number) => {
      seen.started.push(ms)
      seen.most = Math.max(seen.most, ++running)
      await new Promise((resolve) => setTimeout(resolve, ms))
      running--
      return ms * 2
    }
    return { seen, work }
  }

  it("never runs more than `limit` at once, and keeps the results in the order of the items", async () => {
    const { seen, work } = counted()
    const items = [30, 5, 20, 1, 10, 2]
    expect(await mapLimited(items, 2, work)).toEqual(items.map((ms) => ms * 2))
    expect(seen.most).toBe(2)
    expect(seen.started).toEqual(items)
  })

  it("runs every item at once when the limit is above their number, and nothing for no items", async () => {
    const { seen, work } = counted()
    expect(await mapLimited([3, 1, 2], 8, work)).toEqual([6, 2, 4])
    expect(seen.most).toBe(3)
    expect(await mapLimited([], 8, work)).toEqual([])
    expect(seen.started).toEqual([3, 1, 2])
  })
})
