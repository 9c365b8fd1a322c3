/**
 * Figure 6 — memory over time: after 1,000 hand-offs in sessions that are then deleted, the
 * plugin holds nothing for them. The plugin logs (debug) what its state still holds on every
 * `session.deleted`:
 *   message="session deleted; state released" sessionID=… sessions=N queued=N started=N
 * so this server runs with DEBUG logs, and the line for the last deleted session is read.
 *
 * Hand-offs: SESSIONS sessions, each with one person's turn that queues PER_SESSION `message`
 * hand-offs (parallel calls); the default loop guard allows 8 automatic hand-offs per session.
 */
import type { Harness } from "../../test/e2e/harness.js"
import { callSession, lines } from "../../test/e2e/script.js"
import { isHandoff } from "../../test/e2e/waits.js"
import type { Measured } from "./report.js"
import { createSession, PRIMARY_AGENTS, send, type Server } from "./servers.js"
import { pool } from "./stats.js"

const SESSIONS = 125
const PER_SESSION = 8
const CONCURRENCY = 16
const EXPECTED = SESSIONS * PER_SESSION
const RELEASED = 'message="session deleted; state released"'

type Held = { sessions: number; queued: number; started: number }

export async function memory({ oc, tracker }: Server): Promise<Measured> {
  const handoffStart = Date.now()
  const finishedAfter: number[] = []
  const ids = await pool(
    Array.from({ length: SESSIONS }, (_, s) => s),
    CONCURRENCY,
    async (s) => {
      const id = await createSession(oc, `bench memory ${s}`)
      const calls = Array.from({ length: PER_SESSION }, (_, k) =>
        callSession({ mode: "message", agent: PRIMARY_AGENTS[k % PRIMARY_AGENTS.length]!, text: `Hand-off ${k + 1} of batch ${s}.` }),
      )
      await send(oc, id, "build", lines(`Batch ${s}: pass this around.`, ...calls))
      await tracker.settled(id, 1 + PER_SESSION, 180_000)
      finishedAfter.push(Date.now() - handoffStart)
      return id
    },
  )
  const handoffMs = Date.now() - handoffStart
  const perSession = await pool(ids, 4, async (id) => (await oc.messages(id)).filter(isHandoff).length)
  const delivered = perSession.reduce((sum, count) => sum + count, 0)

  // Every session on this server goes, the warm-up's included. The list comes in pages
  // (100 at most), so it is read again until it is empty.
  const logged = releasedLines(oc)
  const seenBefore = logged.count()
  const deletedIDs: string[] = []
  for (;;) {
    const listed = await oc.client.session.list()
    if (listed.error) throw new Error(`listing sessions failed: ${JSON.stringify(listed.error)}`)
    const sessions = listed.data ?? []
    if (sessions.length === 0) break
    for (const session of sessions) {
      const deleted = await oc.client.session.delete({ path: { id: session.id } })
      if (deleted.error) throw new Error(`deleting ${session.id} failed: ${JSON.stringify(deleted.error)}`)
      deletedIDs.push(session.id)
    }
  }
  const missing = ids.filter((id) => !deletedIDs.includes(id))
  if (missing.length) throw new Error(`${missing.length} of the bench's sessions were never listed, so not deleted`)
  const last = deletedIDs.at(-1)
  if (!last) throw new Error("no sessions to delete")
  await oc.waitFor("the plugin's log line for every deleted session", () => logged.count() >= seenBefore + deletedIDs.length, 60_000)
  const lineForLast = logged.lines().find((line) => line.includes(`sessionID=${last}`))
  if (!lineForLast) throw new Error(`no "state released" line for the last deleted session ${last}`)
  const held = parseHeld(lineForLast)
  const firstHeld = parseHeld(logged.lines()[seenBefore]!)
  const nothingHeld = held.sessions === 0 && held.queued === 0 && held.started === 0
  return {
    title: "Memory over time",
    rows: [
      { figure: `hand-offs delivered (${SESSIONS} sessions × ${PER_SESSION})`, value: delivered, target: String(EXPECTED), ok: delivered === EXPECTED },
      {
        figure: `plugin state after deleting all ${deletedIDs.length} sessions`,
        value: `sessions=${held.sessions} queued=${held.queued} started=${held.started}`,
        target: "all 0",
        ok: nothingHeld,
      },
    ],
    details: {
      sessions: SESSIONS,
      handoffsPerSession: PER_SESSION,
      concurrency: CONCURRENCY,
      delivered,
      handoffPhaseMs: handoffMs,
      // When each session's 8 hand-offs were all answered, in order of finishing: a steady
      // slope means OpenCode and the plugin did not slow down as the hand-offs added up.
      sessionsFinishedAfterMs: finishedAfter,
      deletedSessions: deletedIDs.length,
      heldAfterFirstDeletion: firstHeld,
      heldAfterLastDeletion: held,
      lastLine: lineForLast,
    },
  }
}

function parseHeld(line: string): Held {
  const read = (key: string) => {
    const found = new RegExp(`\\b${key}=(\\d+)`).exec(line)
    if (!found) throw new Error(`no ${key}= in: ${line}`)
    return Number(found[1])
  }
  return { sessions: read("sessions"), queued: read("queued"), started: read("started") }
}

/** The plugin's "state released" lines in the server's output, found without rescanning it all. */
function releasedLines(oc: Harness) {
  const found: string[] = []
  let scanned = 0
  const scan = () => {
    const output = oc.output()
    for (;;) {
      const at = output.indexOf(RELEASED, scanned)
      if (at < 0) break
      const end = output.indexOf("\n", at)
      if (end < 0) break // the line is still being written
      found.push(output.slice(output.lastIndexOf("\n", at) + 1, end))
      scanned = end
    }
  }
  return {
    count: () => (scan(), found.length),
    lines: () => (scan(), found),
  }
}
