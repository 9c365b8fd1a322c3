import { describe, expect, it } from "vitest"
import { HandoffBook } from "../../core/book.js"
import { callMetadata, markerMetadata, type CallRecord, type MessageMarker, type Stored } from "../../core/protocol.js"
import type { Delivery } from "../handoff/delivery.js"
import { OpencodeCallError } from "../errors.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode } from "../host/opencode.js"
import type { FollowUp, FollowUps } from "../started/follow-ups.js"
import type { Launcher } from "../started/launcher.js"
import type { Reporter } from "../started/reporter.js"
import type { FileClaims } from "./claims.js"
import type { PendingCallers } from "./pending.js"
import { Recovery } from "./recovery.js"

const CALLER = "ses_caller"

const followUpRecord = (id: string, session: string): CallRecord => ({
  kind: "follow-up",
  v: 1,
  fromAgent: "build",
  session,
  agent: "docs",
  report: "together",
  id,
  model: { providerID: "p", modelID: "m" },
})
/** The caller's answer `messageID` (made at `created`) holding these completed `session` calls. */
const calls = (messageID: string, created: number, ...records: Array<{ callID: string; record: CallRecord; text?: string }>): Stored => ({
  info: { id: messageID, role: "assistant", parentID: "u1", time: { created, completed: created + 1 } },
  parts: records.map(({ callID, record, text }) => ({
    type: "tool",
    tool: "session",
    callID,
    state: { status: "completed", input: { mode: "message", text }, metadata: callMetadata(record) },
  })),
})
const userWith = (id: string, created: number, marker?: MessageMarker): Stored => ({
  info: { id, role: "user", time: { created } },
  parts: [{ type: "text", text: "words", metadata: marker && markerMetadata(marker) }],
})
const callerMessages = (...answers: Stored[]): Stored[] => [userWith("u1", 1), ...answers]
/** A started session as the store holds it: its start marker, an answer, then `more`. */
const child = (...more: Stored[]): Stored[] => [
  userWith("c_u1", 2, { kind: "start", fromAgent: "build", fromSession: CALLER, mode: "new", agent: "docs", report: "together", call: "a0", title: "New" }),
  { info: { id: "c_a1", role: "assistant", time: { created: 3, completed: 4 }, finish: "stop" }, parts: [{ type: "text", text: "Done." }] },
  ...more,
]
const deliveredFollowUp = (id: string, created = 50) => userWith(`c_fu_${id}`, created, { kind: "follow-up", fromAgent: "build", fromSession: CALLER, id })

/** Recovery of one caller, over a fake store (`sessions`; an id not there answers 404, one in `failing` a 500). */
function setup(sessions: Record<string, Stored[]>, failing: string[] = []) {
  const book = new HandoffBook(10)
  const accepted: FollowUp[] = []
  const kicked: string[] = []
  const claimed = new Set<string>()
  const log: string[] = []
  const opencode = {
    messages: async (sessionID: string) => {
      if (failing.includes(sessionID)) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "server error", 500)
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return messages
    },
  } as unknown as Opencode
  const recovery = new Recovery({
    opencode,
    book,
    delivery: { kick: (sessionID: string) => void kicked.push(sessionID) } as unknown as Delivery,
    launcher: { launch: async () => log.push("launch") } as unknown as Launcher,
    reporter: { resume: (callerID: string) => void log.push(`resume ${callerID}`) } as unknown as Reporter,
    followUps: { accept: (followUp: FollowUp) => void accepted.push(followUp) } as unknown as FollowUps,
    callers: { takeOver: () => [CALLER], clear: (callerID: string) => void log.push(`clear ${callerID}`) } as unknown as PendingCallers,
    claims: {
      tidy: () => void log.push("tidy"),
      claim: (key: string) => !claimed.has(key) && Boolean(claimed.add(key)),
    } as unknown as FileClaims,
    notifier: {
      info: () => undefined,
      warn: (message: string) => void log.push(`warn ${message}`),
      error: (message: string) => void log.push(`error ${message}`),
    } as unknown as Notifier,
    settle: (callerID: string) => void log.push(`settle ${callerID}`),
  })
  const queued = (sessionID: string) => book.pending(sessionID).map((handoff) => handoff.followUp?.id)
  return { recovery, book, accepted, kicked, claimed, log, queued }
}

describe("Recovery of follow-ups", () => {
  it("queues an undelivered follow-up in its session as accepted, remembers it, and starts delivery there", async () => {
    const { recovery, book, accepted, kicked, log } = setup({
      [CALLER]: callerMessages(calls("a1", 10, { callID: "call_1", record: followUpRecord("fu1", "ses_A"), text: "  Look again.  " })),
      ses_A: child(),
    })
    await recovery.run()
    expect(book.pending("ses_A")).toEqual([
      {
        id: 1,
        kind: "follow-up",
        sessionID: "ses_A",
        agent: "docs",
        text: "Look again.",
        model: { providerID: "p", modelID: "m" },
        from: { agent: "build", sessionID: CALLER },
        call: "a1",
        callID: "call_1",
        followUp: { id: "fu1", report: "together" },
      },
    ])
    expect(accepted).toEqual([{ id: "fu1", sessionID: "ses_A", callerID: CALLER, agent: "docs", report: "together", call: "a1" }])
    expect(kicked).toEqual(["ses_A"])
    expect(log).toEqual(["tidy", `resume ${CALLER}`, `settle ${CALLER}`])
  })

  it("does not resend a follow-up its session holds already, but sends the others to it", async () => {
    const { recovery, accepted, kicked, queued } = setup({
      [CALLER]: callerMessages(
        calls("a1", 10, { callID: "call_1", record: followUpRecord("fu_done", "ses_A"), text: "First." }),
        calls("a2", 20, { callID: "call_2", record: followUpRecord("fu_new", "ses_A"), text: "Second." }),
      ),
      ses_A: child(deliveredFollowUp("fu_done"), deliveredFollowUp("fu_other")),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu_new"])
    expect(accepted.map((followUp) => followUp.id)).toEqual(["fu_new"])
    expect(kicked).toEqual(["ses_A"])
  })

  it("sends each follow-up once, under its claim, however often recovery runs", async () => {
    const { recovery, accepted, claimed, queued } = setup({
      [CALLER]: callerMessages(calls("a1", 10, { callID: "call_1", record: followUpRecord("fu1", "ses_A"), text: "Again." })),
      ses_A: child(),
    })
    await recovery.run()
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu1"])
    expect(accepted).toHaveLength(1)
    expect([...claimed]).toEqual(["follow-up:fu1"])
  })

  it("does not resend a follow-up a later stop of the caller's dropped, but does one sent after the stop", async () => {
    const stopped: CallRecord = { kind: "stopped", v: 1, sessions: ["ses_A", "ses_B"] }
    const { recovery, accepted, kicked, queued } = setup({
      [CALLER]: callerMessages(
        calls("a1", 10, { callID: "call_1", record: followUpRecord("fu_before", "ses_A"), text: "x" }),
        calls("a2", 20, { callID: "call_2", record: stopped }),
        calls("a3", 30, { callID: "call_3", record: followUpRecord("fu_after", "ses_B"), text: "y" }),
      ),
      ses_A: child(),
      ses_B: child(),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual([])
    expect(queued("ses_B")).toEqual(["fu_after"])
    expect(accepted.map((followUp) => followUp.id)).toEqual(["fu_after"])
    expect(kicked).toEqual(["ses_B"])
  })

  it("skips a follow-up whose session is gone, quietly, and goes on with the others", async () => {
    const { recovery, accepted, kicked, claimed, log, queued } = setup({
      [CALLER]: callerMessages(
        calls("a1", 10, { callID: "call_1", record: followUpRecord("fu_gone", "ses_gone"), text: "x" }),
        calls("a2", 20, { callID: "call_2", record: followUpRecord("fu_here", "ses_A"), text: "y" }),
      ),
      ses_A: child(),
    })
    await recovery.run()
    expect(queued("ses_gone")).toEqual([])
    expect(queued("ses_A")).toEqual(["fu_here"])
    expect(accepted.map((followUp) => followUp.id)).toEqual(["fu_here"])
    expect(kicked).toEqual(["ses_A"])
    expect([...claimed]).toEqual(["follow-up:fu_here"])
    expect(log).toEqual(["tidy", `resume ${CALLER}`, `settle ${CALLER}`])
  })

  it("tells the person, and resends nothing, when a follow-up's session cannot be read", async () => {
    const { recovery, accepted, log } = setup(
      { [CALLER]: callerMessages(calls("a1", 10, { callID: "call_1", record: followUpRecord("fu1", "ses_A"), text: "x" })), ses_A: child() },
      ["ses_A"],
    )
    await recovery.run()
    expect(accepted).toEqual([])
    expect(log.filter((entry) => entry.startsWith("error"))).toHaveLength(1)
    expect(log.find((entry) => entry.startsWith("error"))).toContain(CALLER)
    expect(log).not.toContain(`settle ${CALLER}`)
  })

  it("does not resend a follow-up a stop of its session dropped (by the person, or maxTokens)", async () => {
    const stop: MessageMarker = { kind: "stop", fromSession: CALLER, by: "person", dropped: ["fu1"] }
    const { recovery, accepted, queued } = setup({
      [CALLER]: callerMessages(calls("a1", 10, { callID: "call_1", record: followUpRecord("fu1", "ses_A"), text: "x" })),
      ses_A: child(userWith("c_stop", 20, stop)),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual([])
    expect(accepted).toEqual([])
  })

  it("resends a follow-up sent after its session was stopped: it runs the session again", async () => {
    const stop: MessageMarker = { kind: "stop", fromSession: CALLER, by: "person" }
    const { recovery, queued } = setup({
      [CALLER]: callerMessages(calls("a1", 30, { callID: "call_1", record: followUpRecord("fu1", "ses_A"), text: "x" })),
      ses_A: child(userWith("c_stop", 20, stop)),
    })
    await recovery.run()
    expect(queued("ses_A")).toEqual(["fu1"])
  })
})
