/** Replies to team messages: the answer of the recipient's turn that took a message in goes back to its sender, once, as a reply. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { fakeOpencode } from "../../../test/fixtures/server.js"
import { assistant, calls, sessionCall, startMarker, stored, user, type RawMessage } from "../../../test/fixtures/stored.js"
import { HandoffBook } from "../../core/book.js"
import { Bus } from "../../core/bus.js"
import type { CallRecord, ReportStyle } from "../../core/protocol.js"
import { OpencodeCallError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import { shared } from "../host/process.js"
import { WorkQueued } from "../lifecycle/signals.js"
import { Claims } from "../state/claims.js"
import { Replies, type OwedReply } from "./replies.js"

const CALLER = "ses_caller"
/** Two sessions CALLER started: A messages B, and is owed B's answer. */
const SENDER = "ses_A"
const RECIPIENT = "ses_B"
const TITLE = "New (plan): B"

let folder: string
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "replies-test-"))
  // Claims among the plugin's copies are the process's: each test starts as a fresh process.
  shared().claimed.clear()
})
afterEach(() => rmSync(folder, { recursive: true, force: true }))

const owedFor = (id: string, senderID = SENDER, recipientID = RECIPIENT): OwedReply => ({
  id,
  senderID,
  senderAgent: "docs",
  recipientID,
  recipientAgent: "plan",
  title: TITLE,
})

/** The team message `id` as the recipient's store holds it once delivered. */
const delivered = (id: string, senderID = SENDER, report: ReportStyle = "each"): RawMessage =>
  user(`b_u_${id}`, "Please check this.", { kind: "follow-up", fromAgent: "docs", fromSession: senderID, id, team: "sibling", report })

/** The answer of the turn that took message `id` in. */
const answered = (id: string, text = `The answer to ${id}.`, info: Record<string, unknown> = {}): RawMessage =>
  assistant(`b_a_${id}`, text, { parentID: `b_u_${id}`, ...info })

/** The recipient's own history: its start, its first answer, then `more`. */
const recipient = (...more: RawMessage[]): RawMessage[] => [
  user("b_u1", "Plan it.", startMarker(CALLER, { mode: "new", agent: "plan", title: TITLE, name: "b" })),
  assistant("b_a1", "First answer, not a reply.", { parentID: "b_u1" }),
  ...more,
]

/** One copy of the plugin over the store `sessions` (an id not there answers 404); `running`: the sessions a turn runs in. */
function copy(sessions: Record<string, RawMessage[]>, running = new Set<string>()) {
  const opencode = fakeOpencode({
    messages: async (sessionID) => {
      const messages = sessions[sessionID]
      if (!messages) throw new OpencodeCallError(`reading messages of session ${sessionID}`, "not found", 404)
      return stored(...messages)
    },
  })
  const book = new HandoffBook(8)
  const bus = new Bus((signal, error) => errors.push(`${signal}: ${String(error)}`))
  const queued: string[] = []
  bus.on(WorkQueued, ({ sessionID }) => void queued.push(sessionID))
  const infos: string[] = []
  const errors: string[] = []
  const notifier = { info: (message: string) => void infos.push(message), error: (message: string) => void errors.push(message) } as unknown as Notifier
  const replies = new Replies({ opencode, book, bus, notifier, claims: new Claims(folder), running: (sessionID) => running.has(sessionID) })
  const reports = (sessionID = SENDER) => book.pending(sessionID).filter((handoff) => handoff.kind === "report")
  return { replies, book, queued, infos, errors, reports, running }
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20))
/** Its map's `set` moves an entry to the end, so a live loop that sets entries never ends: such a loop fails the test instead of hanging it. */
function failInsteadOfHanging(replies: Replies): void {
  const owed = (replies as unknown as { owed?: Map<string, unknown> }).owed
  if (!owed) return
  const set = owed.set.bind(owed)
  let calls = 0
  owed.set = (key, value) => {
    if (++calls > 1_000) throw new Error("Replies set its owed map 1000 times in a row: a loop over it that never ends")
    return set(key, value)
  }
}

describe("Replies", () => {
  it("sends the answer of the turn that took the message in to its sender, as a reply with the sender's agent, and says so", async () => {
    const parts = copy({ [RECIPIENT]: recipient(delivered("m1"), answered("m1")) })
    parts.replies.owe(owedFor("m1"))
    expect(parts.replies.owes(SENDER)).toBe(true)
    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    const from = { agent: "plan", sessionID: RECIPIENT, title: TITLE, key: `${RECIPIENT}/m1` }
    expect(parts.reports()[0]).toEqual({
      ...{ id: 1, kind: "report", sessionID: SENDER, agent: "docs", text: "The answer to m1." },
      ...{ from, covers: [from], reply: true },
    })
    expect(parts.queued).toEqual([SENDER])
    expect(parts.infos).toEqual([`Reply: plan (${TITLE}) → docs`])
    expect(parts.replies.owes(SENDER)).toBe(false)
    expect(parts.errors).toEqual([])
  })

  it("sends why there is no answer when that turn failed", async () => {
    const failed = answered("m1", "", { error: { name: "APIError", data: { message: "down" } } })
    const parts = copy({ [RECIPIENT]: recipient(delivered("m1"), failed) })
    parts.replies.owe(owedFor("m1"))
    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    expect(parts.reports()[0]!.text).toBe("(Its turn failed: APIError: down)")
  })

  it("keeps the reply owed while the message is not taken in, or its turn is cut off or still runs; sends it once that turn has finished", async () => {
    const store = { [RECIPIENT]: recipient() }
    const parts = copy(store)
    parts.replies.owe(owedFor("m1"))

    parts.replies.turnEnded(RECIPIENT) // a turn that ended before the message was delivered
    await settle()
    expect(parts.reports()).toEqual([])
    expect(parts.replies.owes(SENDER)).toBe(true)

    store[RECIPIENT] = recipient(delivered("m1"), answered("m1", "", { finish: "tool-calls" }))
    parts.replies.turnEnded(RECIPIENT) // cut off after its tool calls: resumed, it still answers
    await settle()
    expect(parts.reports()).toEqual([])
    expect(parts.replies.owes(SENDER)).toBe(true)

    store[RECIPIENT] = recipient(delivered("m1"), answered("m1"))
    parts.running.add(RECIPIENT) // a new turn runs there already: it may be the one that answers
    parts.replies.turnEnded(RECIPIENT)
    await settle()
    expect(parts.reports()).toEqual([])

    parts.running.delete(RECIPIENT)
    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    expect(parts.reports()[0]!.text).toBe("The answer to m1.")
    expect(parts.errors).toEqual([])
  })

  it("sends each reply once: not again on a later turn end, nor by a second copy of the plugin that owes it too", async () => {
    const store = { [RECIPIENT]: recipient(delivered("m1"), answered("m1")) }
    const first = copy(store)
    const second = copy(store)
    first.replies.owe(owedFor("m1"))
    second.replies.owe(owedFor("m1"))
    first.replies.turnEnded(RECIPIENT)
    second.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(first.reports().length + second.reports().length).toBe(1))
    first.replies.turnEnded(RECIPIENT)
    second.replies.turnEnded(RECIPIENT)
    await settle()
    expect(first.reports().length + second.reports().length).toBe(1)
    expect(first.queued.length + second.queued.length).toBe(1)
    // Neither still owes it: the one that lost the claim knows another copy sent it.
    expect(first.replies.owes(SENDER) || second.replies.owes(SENDER)).toBe(false)
  })

  it("owes only the sender: not the recipient, not another session", () => {
    const { replies } = copy({})
    expect(replies.owes(SENDER)).toBe(false)
    replies.owe(owedFor("m1"))
    expect(replies.owes(SENDER)).toBe(true)
    expect(replies.owes(RECIPIENT)).toBe(false)
    expect(replies.owes(CALLER)).toBe(false)
  })

  it("drops the replies of a recipient the store no longer holds", async () => {
    const parts = copy({})
    parts.replies.owe(owedFor("m1"))
    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.replies.owes(SENDER)).toBe(false))
    expect(parts.reports()).toEqual([])
    expect(parts.errors).toEqual([])
  })

  it("forgets a deleted sender's replies, and a deleted recipient's, and keeps the others", async () => {
    const store = { [RECIPIENT]: recipient(delivered("m1"), delivered("m2", "ses_C"), answered("m2")) }
    const parts = copy(store)
    failInsteadOfHanging(parts.replies)
    parts.replies.owe(owedFor("m1"))
    parts.replies.owe(owedFor("m2", "ses_C"))
    parts.replies.owe(owedFor("m3", "ses_D", "ses_E"))

    parts.replies.forget(SENDER)
    expect(parts.replies.owes(SENDER)).toBe(false)
    expect(parts.replies.owes("ses_C")).toBe(true)

    parts.replies.forget("ses_E")
    expect(parts.replies.owes("ses_D")).toBe(false)

    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.reports("ses_C")).toHaveLength(1))
    expect(parts.reports(SENDER)).toEqual([])
  })
})

describe("Replies after a restart", () => {
  const teamRecord = (id: string, overrides: Partial<Extract<CallRecord, { kind: "follow-up" }>> = {}): CallRecord => ({
    ...{ kind: "follow-up", v: 1, fromAgent: "docs", session: RECIPIENT, agent: "plan", report: "each", id, team: "sibling" },
    ...overrides,
  })
  /** The sender's history: it sent m1 (owed), m2 (its reply reached it), m3 (report none) and m4 (a follow-up, not a team message). */
  const sender = () =>
    stored(
      user("a_u1", "Write the docs.", startMarker(CALLER, { mode: "new", agent: "docs", title: "New (docs): A", name: "a" })),
      calls("a_a1", [
        sessionCall("c1", { mode: "message", session: "b" }, teamRecord("m1")),
        sessionCall("c2", { mode: "message", session: "b" }, teamRecord("m2")),
        sessionCall("c3", { mode: "message", session: "b" }, teamRecord("m3", { report: "none" })),
        sessionCall("c4", { mode: "message", session: "b" }, teamRecord("m4", { team: undefined })),
      ]),
      user("a_u2", "[Reply]", { kind: "report", fromAgent: "plan", fromSession: RECIPIENT, sessions: [`${RECIPIENT}/m2`] }),
    )
  const everyAnswer = () => recipient(...["m1", "m2", "m3", "m4"].flatMap((id) => [delivered(id), answered(id)]))

  it("owes again what the sender's records say it was owed and did not have, and sends it from an idle recipient", async () => {
    const parts = copy({ [RECIPIENT]: everyAnswer() })
    await parts.replies.resume(SENDER, sender())
    expect(parts.reports()).toHaveLength(1)
    const [reply] = parts.reports()
    expect(reply).toMatchObject({ kind: "report", sessionID: SENDER, agent: "docs", text: "The answer to m1.", reply: true })
    expect(reply!.covers).toEqual([{ agent: "plan", sessionID: RECIPIENT, title: RECIPIENT, key: `${RECIPIENT}/m1` }])
    expect(parts.replies.owes(SENDER)).toBe(false)
  })

  it("waits for a recipient whose turn runs, and sends the reply once that turn ends", async () => {
    const parts = copy({ [RECIPIENT]: everyAnswer() }, new Set([RECIPIENT]))
    await parts.replies.resume(SENDER, sender())
    expect(parts.reports()).toEqual([])
    expect(parts.replies.owes(SENDER)).toBe(true)
    parts.running.delete(RECIPIENT)
    parts.replies.turnEnded(RECIPIENT)
    await vi.waitFor(() => expect(parts.reports()).toHaveLength(1))
    expect(parts.reports()[0]!.text).toBe("The answer to m1.")
  })

  it("owes nothing another copy of the plugin in this process claimed already", async () => {
    const parts = copy({ [RECIPIENT]: everyAnswer() }, new Set([RECIPIENT]))
    new Claims(folder).inProcess([`${RECIPIENT}/m1`])
    await parts.replies.resume(SENDER, sender())
    expect(parts.replies.owes(SENDER)).toBe(false)
  })
})
