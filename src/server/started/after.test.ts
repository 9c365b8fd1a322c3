/** Starts `after` others: the first turn waits until the sessions it names have finished, then begins with their answers before its own text. */
import { describe, expect, it, vi } from "vitest"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { startMarker } from "../../../test/fixtures/stored.js"
import type { Call } from "../../core/types.js"
import type { Notifier } from "../host/notify.js"
import { AnswerGiven, LifeChanged } from "../lifecycle/signals.js"
import { words } from "../words/index.js"
import { AfterOthers } from "./after.js"
import type { FirstTurn } from "./first-turn.js"

const CALLER = "ses_caller"
const OTHER = "ses_other_caller"

/** The real lifecycle over a store that holds nothing (every session here is held in memory), wired as services.ts wires the launcher. */
function setup() {
  const { bus, lifecycle } = lifecycleOver(fakeOpencode({}))
  const ready: FirstTurn[] = []
  const errors: string[] = []
  const notifier = { error: (message: string) => void errors.push(message) } as unknown as Notifier
  /** Sessions whose running turn will go on after the answer it gave (something queued or joined). */
  const goesOn = new Set<string>()
  const after = new AfterOthers({ lifecycle, notifier, ready: (entry) => void ready.push(entry), quiet: (sessionID) => !goesOn.has(sessionID) })
  bus.on(LifeChanged, ({ sessionID }) => after.changed(lifecycle.life(sessionID)))
  bus.on(AnswerGiven, ({ sessionID }) => after.changed(lifecycle.life(sessionID)))

  /** A session `callerID` started, running its first turn. */
  const running = (sessionID: string, name?: string, callerID = CALLER) => {
    lifecycle.started(sessionID, startMarker(callerID, { mode: "new", agent: "plan", title: `New (plan): ${sessionID}`, ...(name ? { name } : {}) }))
    lifecycle.change(sessionID, { type: "began" })
  }
  /** A start of `callerID`'s, made and held here until `on` have finished. */
  const hold = (sessionID: string, on: string[], callerID = CALLER) => {
    const call: Call = { sessionID: callerID, messageID: "msg_1", callerAgent: "build", agent: "docs", text: "Write the docs.", report: "each", after: on }
    const marker = startMarker(callerID, { mode: "new", agent: "docs", title: `New (docs): ${sessionID}`, after: on })
    lifecycle.started(sessionID, marker)
    const entry: FirstTurn = { call, session: { id: sessionID, title: marker.title }, marker }
    after.hold(entry, on)
    return entry
  }
  const answer = (sessionID: string, text: string) => lifecycle.answered(sessionID, { state: "answered" }, text)
  /** The running turn of `sessionID` streams `text` and gives it as its answer; its idle has not come. */
  const give = (sessionID: string, text: string) => {
    lifecycle.texted(sessionID, `msg_${sessionID}`, "prt_1", text)
    lifecycle.answerGiven(sessionID, `msg_${sessionID}`)
  }
  return { after, lifecycle, ready, errors, running, hold, answer, give, goesOn }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20))

describe("AfterOthers", () => {
  it("holds the first turn waiting for the others it names", () => {
    const { lifecycle, running, hold } = setup()
    running("ses_a")
    running("ses_b")
    hold("ses_docs", ["ses_a", "ses_b"])
    const waiting = { state: "waiting", for: "others", on: ["ses_a", "ses_b"] }
    expect(lifecycle.life("ses_docs")?.state).toEqual(waiting)
    expect(lifecycle.life("ses_docs")?.turns[0]?.state).toEqual(waiting)
  })

  it("releases it once, when the last of them has finished, with each answer under its session in their order, then its own text", async () => {
    const { lifecycle, ready, errors, running, hold, answer } = setup()
    running("ses_a", "planner")
    running("ses_b")
    const entry = hold("ses_docs", ["ses_a", "ses_b"])
    lifecycle.used("ses_a", "msg_a", Date.now(), { input: 10, output: 5, cost: 0 })

    answer("ses_b", "Answer of b.") // the second finishes first: the order is still the call's
    await settle()
    expect(ready).toEqual([])

    answer("ses_a", "Answer of a.")
    await vi.waitFor(() => expect(ready).toHaveLength(1))
    const text = [
      words.header.after(2),
      'planner (ses_a) "New (plan): ses_a" (agent plan, new; tokens 10 in, 5 out):\nAnswer of a.',
      'ses_b "New (plan): ses_b" (agent plan, new):\nAnswer of b.',
      "Write the docs.",
    ].join("\n\n")
    expect(ready[0]).toEqual({ ...entry, call: { ...entry.call, text } })

    lifecycle.change("ses_a", { type: "began" })
    answer("ses_a", "A later answer.") // it finished again: released once only
    await settle()
    expect(ready).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it("releases it as soon as the awaited turn gave its answer, before that turn's idle, with that answer", async () => {
    const { lifecycle, ready, running, hold, give } = setup()
    running("ses_a", "digger")
    hold("ses_docs", ["ses_a"])
    give("ses_a", "Found it early.")
    await settle()
    expect(lifecycle.isRunning("ses_a")).toBe(true)
    expect(ready).toHaveLength(1)
    expect(ready[0]!.call.text).toContain("Found it early.")
    expect(ready[0]!.call.text).not.toContain("has not finished")
  })

  it("waits for the idle when the awaited turn goes on after its answer (a hand-off joined it, or one is queued)", async () => {
    const { ready, running, hold, give, goesOn, answer } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    goesOn.add("ses_a")
    give("ses_a", "Not the last word.")
    await settle()
    expect(ready).toEqual([])
    answer("ses_a", "The last word.")
    await settle()
    expect(ready[0]!.call.text).toContain("The last word.")
  })

  it("releases at once a start whose others have finished already", async () => {
    const { ready, running, hold, answer } = setup()
    running("ses_a")
    answer("ses_a", "Done before.")
    hold("ses_docs", ["ses_a"])
    await vi.waitFor(() => expect(ready).toHaveLength(1))
    expect(ready[0]!.call.text).toBe(`${words.header.after(1)}\n\nses_a "New (plan): ses_a" (agent plan, new):\nDone before.\n\nWrite the docs.`)
  })

  it("releases it after a failed and a stopped one, each marked as such", async () => {
    const { lifecycle, ready, running, hold } = setup()
    running("ses_a")
    running("ses_b")
    hold("ses_docs", ["ses_a", "ses_b"])
    lifecycle.answered("ses_a", { state: "failed", error: "APIError: down" })
    await settle()
    expect(ready).toEqual([])
    lifecycle.change("ses_b", { type: "stopped", how: { state: "stopped", by: "caller" } })
    await vi.waitFor(() => expect(ready).toHaveLength(1))
    expect(ready[0]!.call.text).toContain('ses_a "New (plan): ses_a" (agent plan, new):\n(Its turn failed: APIError: down)')
    expect(ready[0]!.call.text).toContain('ses_b "New (plan): ses_b" (agent plan, new):\n(Stopped before it answered: the agent that started it stopped it.)')
    expect(ready[0]!.call.text.endsWith("\n\nWrite the docs.")).toBe(true)
  })

  it("counts a deleted one as finished: it will not answer", async () => {
    const { lifecycle, ready, running, hold } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    lifecycle.deleted("ses_a")
    await vi.waitFor(() => expect(ready).toHaveLength(1))
    expect(ready[0]!.call.text).toContain("(The session was deleted before it answered.)")
  })

  it("drop: only the start's own caller drops it, once; it is then never released", async () => {
    const { after, ready, running, hold, answer } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    expect(after.drop(OTHER, "ses_docs")).toBe(false)
    expect(after.drop(CALLER, "ses_a")).toBe(false) // not a start waiting here
    expect(after.drop(CALLER, "ses_docs")).toBe(true)
    expect(after.drop(CALLER, "ses_docs")).toBe(false)
    answer("ses_a", "Done.")
    await settle()
    expect(ready).toEqual([])
  })

  it("drop while the answers are being read: it does not start after all", async () => {
    const { after, lifecycle, ready, running, hold } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    // Answered, its text not kept here: it is read before the start.
    lifecycle.answered("ses_a", { state: "answered" })
    // The answers are read asynchronously once the last one finished: a stop arrives meanwhile.
    expect(after.drop(CALLER, "ses_docs")).toBe(true)
    await settle()
    expect(ready).toEqual([])
  })

  it("dropAll: drops every start of that caller waiting here, and no other caller's", async () => {
    const { after, ready, running, hold, answer } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    hold("ses_tests", ["ses_a"])
    hold("ses_theirs", ["ses_a"], OTHER)
    expect(after.dropAll(CALLER).sort()).toEqual(["ses_docs", "ses_tests"])
    expect(after.dropAll(CALLER)).toEqual([])
    answer("ses_a", "Done.")
    await vi.waitFor(() => expect(ready.map((entry) => entry.session.id)).toEqual(["ses_theirs"]))
  })

  it("forget: a deleted start goes, and so does every start of a deleted caller", async () => {
    const { after, ready, running, hold, answer } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    hold("ses_tests", ["ses_a"])
    hold("ses_theirs", ["ses_a"], OTHER)
    hold("ses_kept", ["ses_a"], OTHER)
    after.forget("ses_kept")
    after.forget(CALLER)
    answer("ses_a", "Done.")
    await vi.waitFor(() => expect(ready).toHaveLength(1))
    await settle()
    expect(ready.map((entry) => entry.session.id)).toEqual(["ses_theirs"])
  })

  it("clear: leaves what waits to the next copy, counting it, and releases nothing after", async () => {
    const { after, ready, running, hold, answer } = setup()
    running("ses_a")
    hold("ses_docs", ["ses_a"])
    hold("ses_theirs", ["ses_a"], OTHER)
    expect(after.clear()).toBe(2)
    expect(after.clear()).toBe(0)
    answer("ses_a", "Done.")
    await settle()
    expect(ready).toEqual([])
  })
})
