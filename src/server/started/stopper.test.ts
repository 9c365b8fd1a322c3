import { afterEach, describe, expect, it, vi } from "vitest"
import { HandoffBook } from "../../core/book.js"
import { callMetadata, markerMetadata, messageMarker, PROTOCOL, type StartMarker, type Stored } from "../../core/protocol.js"
import type { HandoffRequest } from "../../core/types.js"
import { OpencodeCallError } from "../errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode, PromptInput } from "../host/opencode.js"
import { words } from "../tool/words/index.js"
import type { FirstTurn } from "./first-turn.js"
import { LineageStore } from "./lineage-store.js"
import { Places } from "./places.js"
import { Stopper } from "./stopper.js"

const CALLER = "ses_caller"

const start = (agent: string, call = "a1"): StartMarker => ({
  kind: "start",
  fromAgent: "build",
  fromSession: CALLER,
  mode: "new",
  agent,
  report: "each",
  call,
  title: `New (${agent}): x`,
})
/** A started session as the store holds it: its first message with its marker, then its answer. */
const startedSession = (agent: string, call = "a1"): Stored[] => [
  { info: { id: "u1", role: "user" }, parts: [{ type: "text", text: "go", metadata: markerMetadata(start(agent, call)) }] },
  { info: { id: "a9", role: "assistant", time: { created: 1, completed: 2 }, finish: "stop" }, parts: [{ type: "text", text: "Done." }] },
]
const startedRecord = (session: string) => ({
  type: "tool",
  tool: "session",
  callID: `c_${session}`,
  state: {
    status: "completed",
    metadata: callMetadata({ kind: "started", v: 1, fromAgent: "build", session, mode: "new", agent: "plan", report: "each", waiting: false, isolated: false }),
  },
})
/** One turn of the caller: its user message `turn`, and its answer `call` starting `sessions`. */
const callerTurn = (turn: string, call: string, ...sessions: string[]): Stored[] => [
  { info: { id: turn, role: "user" }, parts: [{ type: "text", text: "go" }] },
  { info: { id: call, role: "assistant", parentID: turn }, parts: sessions.map(startedRecord) },
]
/** A follow-up or a report queued in `sessionID`. */
const queued = (kind: "follow-up" | "report", sessionID: string, followUpID = "fu_1"): HandoffRequest => ({
  ...{ kind, sessionID, agent: "plan", text: "x", from: { agent: "build", sessionID: CALLER } },
  ...(kind === "follow-up" ? { followUp: { id: followUpID, report: "each" as const } } : {}),
})
const waitingTurn = (sessionID: string) => ({ call: { sessionID: CALLER }, session: { id: sessionID } }) as unknown as FirstTurn

/** Lets the stop marker's store (fire and forget) run, with real or fake timers. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

type Setup = { statuses?: Record<string, { type: string }>; sessions?: Record<string, Stored[]>; abortFails?: boolean; storeFails?: boolean }

function setup({ statuses = {}, sessions = {}, abortFails = false, storeFails = false }: Setup = {}) {
  const aborted: string[] = []
  const stored: { sessionID: string; input: PromptInput }[] = []
  const warnings: string[] = []
  const opencode = {
    statuses: async () => statuses,
    abort: async (sessionID: string) => {
      aborted.push(sessionID)
      if (abortFails) throw new Error("abort refused")
    },
    messages: async (sessionID: string) => {
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return messages
    },
    store: async (sessionID: string, input: PromptInput) => {
      if (storeFails) throw new Error("store refused")
      stored.push({ sessionID, input })
    },
  } as unknown as Opencode
  const book = new HandoffBook(10)
  const places = new Places()
  const lineage = new LineageStore(opencode)
  const notifier = { warn: (message: string) => void warnings.push(message) } as unknown as Notifier
  const stopper = new Stopper({ opencode, book, places, lineage, notifier })
  const markers = () =>
    stored.map(({ sessionID, input }) => [sessionID, input.agent, messageMarker({ info: { id: "m", role: "user" }, parts: [{ type: "text", ...input }] })])
  return { stopper, book, places, lineage, aborted, stored, warnings, markers }
}

afterEach(() => void vi.useRealTimers())

describe("Stopper.stop", () => {
  it("aborts a running session, reads it as stopped at once, drops its queued follow-ups, and stores the marker once its turn ends", async () => {
    const { stopper, book, lineage, aborted, stored, markers } = setup({
      statuses: { ses_run: { type: "busy" } },
      sessions: { ses_run: startedSession("docs") },
    })
    book.enqueue(queued("follow-up", "ses_run", "fu_1"))
    book.enqueue(queued("report", "ses_run"))
    book.enqueue(queued("follow-up", "ses_run", "fu_2"))
    expect(await stopper.stop(CALLER, ["ses_run"], { by: "caller" })).toEqual([{ sessionID: "ses_run", was: "running", droppedFollowUps: 2 }])
    expect(aborted).toEqual(["ses_run"])
    expect(book.pending("ses_run")).toEqual([])
    expect(await lineage.outcomeOf("ses_run", false)).toEqual({ state: "stopped", by: "caller" })
    await settle()
    expect(stored).toEqual([])
    stopper.turnEnded("ses_run")
    await settle()
    expect(markers()).toEqual([["ses_run", "docs", { kind: "stop", fromSession: CALLER, by: "caller", dropped: ["fu_1", "fu_2"], v: PROTOCOL }]])
    expect(stored[0]!.input.text).toBe(words.header.stopped({ by: "caller" }))
    stopper.turnEnded("ses_run")
    await settle()
    expect(stored).toHaveLength(1)
  })

  it("stores the marker after 3 seconds when the stopped turn never says it ended", async () => {
    vi.useFakeTimers()
    const { stopper, book, markers } = setup({ sessions: { ses_run: startedSession("plan") } })
    book.markBusy("ses_run")
    const stopping = stopper.stop(CALLER, ["ses_run"], { by: "max-tokens", limit: 10, used: 12 })
    expect(await stopping).toEqual([{ sessionID: "ses_run", was: "running", droppedFollowUps: 0 }])
    await vi.advanceTimersByTimeAsync(2_999)
    await settle()
    expect(markers()).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(markers()).toEqual([["ses_run", "plan", { kind: "stop", fromSession: CALLER, by: "max-tokens", limit: 10, used: 12, v: PROTOCOL }]])
  })

  it("counts as running a session whose first turn the tool runs, though OpenCode's status says idle", async () => {
    const { stopper, places, aborted } = setup({ statuses: { ses_first: { type: "idle" } }, sessions: { ses_first: startedSession("plan") } })
    places.run(CALLER, "ses_first")
    expect(await stopper.stop(CALLER, ["ses_first"], { by: "person" })).toEqual([{ sessionID: "ses_first", was: "running", droppedFollowUps: 0 }])
    expect(aborted).toEqual(["ses_first"])
  })

  it("drops a session waiting for a place without aborting it, and stores its marker at once", async () => {
    const { stopper, places, lineage, aborted, markers } = setup({ sessions: { ses_wait: [] } })
    lineage.remember("ses_wait", start("review"))
    places.wait(waitingTurn("ses_other"))
    places.wait(waitingTurn("ses_wait"))
    expect(await stopper.stop(CALLER, ["ses_wait"], { by: "caller" })).toEqual([{ sessionID: "ses_wait", was: "waiting", droppedFollowUps: 0 }])
    expect(aborted).toEqual([])
    expect(places.waitingFor(CALLER)).toEqual(["ses_other"])
    expect(await lineage.outcomeOf("ses_wait", false)).toEqual({ state: "stopped", by: "caller" })
    await settle()
    expect(markers()).toEqual([["ses_wait", "review", { kind: "stop", fromSession: CALLER, by: "caller", v: PROTOCOL }]])
  })

  it("leaves a finished session alone: nothing aborted, nothing stored, its outcome its own", async () => {
    vi.useFakeTimers()
    const { stopper, lineage, aborted, stored } = setup({ statuses: { ses_done: { type: "idle" } }, sessions: { ses_done: startedSession("plan") } })
    expect(await stopper.stop(CALLER, ["ses_done"], { by: "caller" })).toEqual([{ sessionID: "ses_done", was: "finished", droppedFollowUps: 0 }])
    stopper.turnEnded("ses_done")
    await vi.advanceTimersByTimeAsync(5_000)
    await settle()
    expect(aborted).toEqual([])
    expect(stored).toEqual([])
    expect(await lineage.outcomeOf("ses_done", false)).toEqual({ state: "idle", answer: "Done." })
  })

  it("clears the stopped mark and rethrows when the abort fails, and stores no marker then", async () => {
    vi.useFakeTimers()
    const { stopper, lineage, stored } = setup({ statuses: { ses_run: { type: "busy" } }, sessions: { ses_run: startedSession("plan") }, abortFails: true })
    await expect(stopper.stop(CALLER, ["ses_run"], { by: "caller" })).rejects.toThrow("abort refused")
    expect(await lineage.outcomeOf("ses_run", false)).toEqual({ state: "idle", answer: "Done." })
    stopper.turnEnded("ses_run")
    await vi.advanceTimersByTimeAsync(5_000)
    await settle()
    expect(stored).toEqual([])
  })

  it("warns the person, and does not throw, when the marker cannot be stored", async () => {
    const { stopper, places, lineage, warnings, stored } = setup({ sessions: { ses_wait: [] }, storeFails: true })
    lineage.remember("ses_wait", start("plan"))
    places.wait(waitingTurn("ses_wait"))
    expect(await stopper.stop(CALLER, ["ses_wait"], { by: "caller" })).toEqual([{ sessionID: "ses_wait", was: "waiting", droppedFollowUps: 0 }])
    await settle()
    expect(stored).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("ses_wait")
  })
})

describe("Stopper.active and stopAll", () => {
  const sessions = { [CALLER]: callerTurn("u1", "a1", "ses_status", "ses_busy", "ses_first", "ses_wait", "ses_held", "ses_done") }

  it("finds the sessions that run (by status, the book or a first turn) or wait (for a place or held), in the order asked", async () => {
    const { stopper, book, places } = setup({ statuses: { ses_status: { type: "retry" }, ses_done: { type: "idle" } } })
    book.markBusy("ses_busy")
    places.run(CALLER, "ses_first")
    places.wait(waitingTurn("ses_wait"))
    places.hold(waitingTurn("ses_held"))
    const asked = ["ses_done", "ses_held", "ses_first", "ses_wait", "ses_busy", "ses_status"]
    expect(await stopper.active(CALLER, asked)).toEqual(["ses_held", "ses_first", "ses_wait", "ses_busy", "ses_status"])
    expect(await stopper.active("ses_someone_else", ["ses_held", "ses_wait", "ses_done"])).toEqual([])
  })

  it("stopAll stops only the caller's active sessions, the ones known only in memory included, and reports none finished", async () => {
    const { stopper, places, lineage, aborted } = setup({
      statuses: { ses_status: { type: "busy" }, ses_mem: { type: "busy" }, ses_elsewhere: { type: "busy" } },
      sessions: { ...sessions, ses_done: startedSession("plan") },
    })
    lineage.remember("ses_mem", start("plan"))
    places.wait(waitingTurn("ses_wait"))
    const results = await stopper.stopAll(CALLER, { by: "person" })
    expect(results.map((result) => [result.sessionID, result.was])).toEqual([
      ["ses_status", "running"],
      ["ses_wait", "waiting"],
      ["ses_mem", "running"],
    ])
    expect(aborted.sort()).toEqual(["ses_mem", "ses_status"])
    expect(await lineage.outcomeOf("ses_done", false)).toEqual({ state: "idle", answer: "Done." })
  })
})

describe("Stopper.callerInterrupted", () => {
  it("stops the running sessions the interrupted turn started, not those of earlier turns, and acts once per turn", async () => {
    const turn = "msg_stopper_interrupt_u2"
    const { stopper, lineage, aborted } = setup({
      statuses: { ses_old: { type: "busy" }, ses_new: { type: "busy" } },
      sessions: {
        [CALLER]: [...callerTurn("msg_stopper_interrupt_u1", "a1", "ses_old"), ...callerTurn(turn, "a2", "ses_new", "ses_new_done")],
        ses_old: startedSession("plan", "a1"),
        ses_new: startedSession("plan", "a2"),
        ses_new_done: startedSession("plan", "a2"),
      },
    })
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([{ sessionID: "ses_new", was: "running", droppedFollowUps: 0 }])
    expect(aborted).toEqual(["ses_new"])
    expect(await lineage.outcomeOf("ses_new", false)).toEqual({ state: "stopped", by: "interrupt" })
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([])
    expect(aborted).toEqual(["ses_new"])
  })

  it("stops nothing when the interrupted turn started no session", async () => {
    const turn = "msg_stopper_interrupt_none_u2"
    const { stopper, aborted } = setup({
      statuses: { ses_old: { type: "busy" } },
      sessions: {
        [CALLER]: [...callerTurn("msg_stopper_interrupt_none_u1", "a1", "ses_old"), ...callerTurn(turn, "a2")],
        ses_old: startedSession("plan", "a1"),
      },
    })
    expect(await stopper.callerInterrupted(CALLER, turn)).toEqual([])
    expect(aborted).toEqual([])
  })
})
