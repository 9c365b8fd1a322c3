/** Recovery after a restart: what the store says was accepted and not done is done once, under its claim; what cannot be is said. */
import { beforeEach, describe, expect, it } from "vitest"
import { fakeOpencode, lifecycleOver } from "../../../test/fixtures/server.js"
import { assistant, calls, sessionCall, startMarker, startedRecord, stored, user, type RawMessage } from "../../../test/fixtures/stored.js"
import { HandoffBook } from "../../core/book.js"
import type { CallRecord, MessageMarker } from "../../core/protocol.js"
import type { Delivery } from "../handoff/delivery.js"
import { OpencodeCallError } from "../host/errors.js"
import { Notifier } from "../host/notify.js"
import { shared } from "../host/process.js"
import type { Launcher } from "./launcher.js"
import type { Reporter } from "./reporter.js"
import type { Claims } from "../state/claims.js"
import type { PendingCallers } from "../state/pending.js"
import { Recovery } from "./recovery.js"

const CALLER = "ses_caller"
beforeEach(() => shared().recovering.clear())

const followUpRecord = (id: string, session: string): CallRecord => ({
  ...{ kind: "follow-up", v: 1, fromAgent: "build", session, agent: "docs", report: "together", id },
  model: { providerID: "p", modelID: "m" },
})
/** The caller's answer step `messageID`, holding one completed `session` call. */
const call = (messageID: string, callID: string, record: CallRecord, text?: string) =>
  calls(messageID, [sessionCall(callID, { mode: "message", text }, record)])
/** The caller's history: its turn, whose first step started ses_A, then `answers`. */
const startedA = calls("a0", [sessionCall("c0", { mode: "new", text: "Do it." }, startedRecord("ses_A", { mode: "new", agent: "docs" }))])
const caller = (...answers: RawMessage[]): RawMessage[] => [user("u1", "go"), startedA, ...answers]
/** A started session as the store holds it: its start marker, an answer, then `more`. */
const child = (...more: RawMessage[]): RawMessage[] => [
  user("c_u1", "Do it.", startMarker(CALLER, { mode: "new", agent: "docs", call: "a0", title: "New" })),
  assistant("c_a1", "Done.", { parentID: "c_u1" }),
  ...more,
]
const deliveredFollowUp = (id: string) => user(`c_fu_${id}`, "words", { kind: "follow-up", fromAgent: "build", fromSession: CALLER, id })

/** Recovery of one caller over a fake store (`sessions`; an id not there answers 404, one in `failing` a 500), with the real lifecycle and book. */
function setup(sessions: Record<string, RawMessage[]>, failing: string[] = []) {
  const book = new HandoffBook(10)
  const kicked: string[] = []
  const claimed = new Set<string>()
  const log: string[] = []
  const opencode = fakeOpencode({
    messages: async (sessionID) => {
      if (failing.includes(sessionID)) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "server error", 500)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return stored(...messages)
    },
    toast: async (message, variant) => void log.push(`${variant} ${message}`),
    log: async () => undefined,
  })
  const { lifecycle, heard } = lifecycleOver(opencode)
  const recovery = new Recovery({
    ...{ opencode, book, lifecycle, notifier: new Notifier(opencode, true) },
    delivery: { kick: (sessionID: string) => void kicked.push(sessionID) } as unknown as Delivery,
    launcher: { launch: async (...args: unknown[]) => void log.push(`launch ${JSON.stringify(args)}`) } as unknown as Launcher,
    reporter: { resume: (callerID: string) => void log.push(`resume ${callerID}`) } as unknown as Reporter,
    replies: { resume: async (callerID: string) => void log.push(`replies ${callerID}`) },
    callers: {
      takeOver: () => [CALLER],
      clear: (callerID: string) => void log.push(`clear ${callerID}`),
      settle: (callerID: string) => void log.push(`settle ${callerID}`),
    } as unknown as PendingCallers,
    claims: { tidy: () => void log.push("tidy"), claim: (key: string) => !claimed.has(key) && Boolean(claimed.add(key)) } as unknown as Claims,
  })
  const queued = (sessionID: string) => book.pending(sessionID).map((handoff) => handoff.followUp?.id ?? handoff.text)
  return { recovery, book, lifecycle, heard, kicked, claimed, log, queued }
}

describe("Recovery of follow-ups", () => {
  it("queues an undelivered follow-up in its session as accepted, says so, and starts delivery there", async () => {
    const { recovery, book, kicked, log } = setup({ [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "  Look again.  ")), ses_A: child() })
    await recovery.run()
    expect(book.pending("ses_A")).toEqual([
      {
        ...{ id: 1, kind: "follow-up", sessionID: "ses_A", agent: "docs", text: "Look again.", model: { providerID: "p", modelID: "m" } },
        ...{ from: { agent: "build", sessionID: CALLER }, call: "a1", callID: "call_1", followUp: { id: "fu1", report: "together" } },
      },
    ])
    expect(kicked).toEqual(["ses_A"])
    expect(log).toEqual(["tidy", "info Resuming after OpenCode restarted: a follow-up to ses_A", `resume ${CALLER}`, `replies ${CALLER}`, `settle ${CALLER}`])
  })

  it("remembers the resent follow-up as a turn of its session's life, waiting for its delivery", async () => {
    const { recovery, lifecycle, heard } = setup({ [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "Again.")), ses_A: child() })
    await recovery.run()
    expect(lifecycle.life("ses_A")?.turns.at(-1)).toEqual({
      key: "ses_A/fu1",
      followUp: { id: "fu1", agent: "docs", report: "together", call: "a1" },
      state: { state: "waiting", for: "delivery" },
    })
    expect(heard).toContainEqual({ signal: "life.changed", payload: expect.objectContaining({ sessionID: "ses_A", keys: ["ses_A/fu1"] }) })
  })

  it("does not resend a follow-up its session holds already, but sends the others to it", async () => {
    const { recovery, kicked, queued, claimed } = setup({
      [CALLER]: caller(call("a1", "call_1", followUpRecord("fu_done", "ses_A"), "First."), call("a2", "call_2", followUpRecord("fu_new", "ses_A"), "Second.")),
      ses_A: child(deliveredFollowUp("fu_done"), deliveredFollowUp("fu_other")),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu_new"])
    expect([...claimed]).toEqual(["follow-up:fu_new"])
    expect(kicked).toEqual(["ses_A"])
  })

  it("sends each follow-up once, under its claim, however often recovery runs", async () => {
    const { recovery, claimed, queued, kicked } = setup({ [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "Again.")), ses_A: child() })
    await recovery.run()
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu1"])
    expect(kicked).toEqual(["ses_A"])
    expect([...claimed]).toEqual(["follow-up:fu1"])
  })

  it("does not resend a follow-up a later stop of the caller's dropped, but does one sent after the stop", async () => {
    const stopped: CallRecord = { kind: "stopped", v: 1, sessions: ["ses_A", "ses_B"] }
    const { recovery, kicked, queued } = setup({
      [CALLER]: caller(
        call("a1", "call_1", followUpRecord("fu_before", "ses_A"), "x"),
        call("a2", "call_2", stopped),
        call("a3", "call_3", followUpRecord("fu_after", "ses_B"), "y"),
      ),
      ses_A: child(),
      ses_B: child(),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual([])
    expect(queued("ses_B")).toEqual(["fu_after"])
    expect(kicked).toEqual(["ses_B"])
  })

  it("skips a follow-up whose session is gone, quietly, and goes on with the others", async () => {
    const { recovery, kicked, claimed, log, queued } = setup({
      [CALLER]: caller(call("a1", "call_1", followUpRecord("fu_gone", "ses_gone"), "x"), call("a2", "call_2", followUpRecord("fu_here", "ses_A"), "y")),
      ses_A: child(),
    })
    await recovery.run()
    expect(queued("ses_gone")).toEqual([])
    expect(queued("ses_A")).toEqual(["fu_here"])
    expect(kicked).toEqual(["ses_A"])
    expect([...claimed]).toEqual(["follow-up:fu_here"])
    expect(log.filter((entry) => !entry.startsWith("info"))).toEqual(["tidy", `resume ${CALLER}`, `replies ${CALLER}`, `settle ${CALLER}`])
  })

  it("tells the person, and resends nothing, when a follow-up's session cannot be read", async () => {
    const { recovery, queued, log } = setup({ [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "x")), ses_A: child() }, ["ses_A"])
    await recovery.run()
    expect(queued("ses_A")).toEqual([])
    const errors = log.filter((entry) => entry.startsWith("error"))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(CALLER)
    expect(errors[0]).toContain("server error")
    expect(log).not.toContain(`settle ${CALLER}`)
  })

  it("does not resend a follow-up a stop of its session dropped (by the person, or maxTokens)", async () => {
    const stop: MessageMarker = { kind: "stop", fromSession: CALLER, by: "person", dropped: ["fu1"] }
    const { recovery, queued, claimed } = setup({
      [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "x")),
      ses_A: child(user("c_stop", "stopped", stop)),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual([])
    expect([...claimed]).toEqual([])
  })

  it("resends a follow-up sent after its session was stopped: it runs the session again", async () => {
    const stop: MessageMarker = { kind: "stop", fromSession: CALLER, by: "person" }
    const { recovery, queued } = setup({
      [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "x")),
      ses_A: child(user("c_stop", "stopped", stop)),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu1"])
  })
})

describe("Recovery of hand-offs and waiting starts", () => {
  const handoff = (mode: "message" | "compact"): CallRecord => ({
    ...{ kind: "handoff", v: 1, fromAgent: "build", mode, agent: "plan" },
    ...(mode === "compact" ? { summaryModel: { providerID: "p", modelID: "s" } } : {}),
  })

  it("requeues the caller's undelivered hand-offs in order, each once; a compact whose summary is written only hands over", async () => {
    const { recovery, book, kicked, claimed, log } = setup({
      [CALLER]: caller(
        calls("a1", [
          sessionCall("call_h1", { mode: "message", text: " First. " }, handoff("message")),
          sessionCall("call_h2", { mode: "compact", text: "Second." }, handoff("compact")),
        ]),
        assistant("a_sum", "The summary.", { parentID: "u1", summary: true }),
      ),
    })
    await recovery.run()
    await recovery.run()
    expect(book.pending(CALLER).map(({ kind, text, callID, summarized }) => ({ kind, text, callID, summarized }))).toEqual([
      { kind: "message", text: "First.", callID: "call_h1", summarized: false },
      { kind: "compact", text: "Second.", callID: "call_h2", summarized: true },
    ])
    expect(book.pending(CALLER)[1]?.summaryModel).toEqual({ providerID: "p", modelID: "s" })
    expect([...claimed]).toEqual(["handoff:call_h1", "handoff:call_h2"])
    expect(kicked).toEqual([CALLER])
    expect(log).toContain(`info Resuming after OpenCode restarted: 2 hand-offs in ${CALLER}`)
  })

  it("starts a session that waited for a place, in call order, unless it began already, is gone, or was to be isolated", async () => {
    const waiting = (session: string, isolated = false) => startedRecord(session, { mode: "new", agent: "docs", waiting: true, isolated })
    const began = user("b_u1", "Go.", startMarker(CALLER, { mode: "new", call: "a2" }))
    const { recovery, log, claimed } = setup({
      [CALLER]: caller(
        calls("a1", [sessionCall("c1", { mode: "new", text: " First task. " }, waiting("ses_wait"))]),
        calls("a2", [sessionCall("c2", { mode: "new", text: "x" }, waiting("ses_began"))]),
        calls("a3", [sessionCall("c3", { mode: "new", text: "x" }, waiting("ses_gone"))]),
        calls("a4", [sessionCall("c4", { mode: "new", text: "x" }, waiting("ses_iso", true))]),
      ),
      ses_wait: [],
      ses_began: [began],
      ses_iso: [],
    })
    await recovery.run()
    const launches = log.filter((entry) => entry.startsWith("launch"))
    expect(launches).toEqual([
      `launch ${JSON.stringify([
        { sessionID: CALLER, messageID: "a1", callerAgent: "build", agent: "docs", text: "First task.", report: "together", callID: "c1", depth: 1 },
        "new",
        { id: "ses_wait", title: "New (docs): First task." },
      ])}`,
    ])
    expect([...claimed]).toEqual(["start:ses_wait", "start:ses_iso"])
    const warnings = log.filter((entry) => entry.startsWith("warning"))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/Session ses_gone was waiting to start when OpenCode stopped, and has been deleted since/)
    expect(warnings[1]).toMatch(/Session ses_iso was waiting to start in a worktree of its own/)
  })

  it("clears a caller that is gone, and leaves a caller another copy of the plugin is recovering now", async () => {
    const gone = setup({})
    await gone.recovery.run()
    expect(gone.log).toEqual(["tidy", `clear ${CALLER}`])
    const busy = setup({ [CALLER]: caller(call("a1", "call_1", followUpRecord("fu1", "ses_A"), "x")), ses_A: child() })
    shared().recovering.add(CALLER)
    await busy.recovery.run()
    expect(busy.log).toEqual(["tidy"])
    expect(busy.queued("ses_A")).toEqual([])
  })
})
