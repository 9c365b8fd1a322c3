/**
 * `mode: "wait"`, the pure part: which started sessions a wait covers, how long it waits, and
 * when it is over. No I/O, no clock.
 */
import type { Answered } from "./gather.js"
import { isFinished } from "./life.js"

export const DEFAULT_WAIT_SECONDS = 600
export const MAX_WAIT_SECONDS = 7200

/** One answer a caller may wait for: a started session's first turn, or a turn a follow-up began there. */
export type Owed = { key: string; sessionID: string }

/**
 * What a wait covers, by report key: the answers not yet returned of the one session named (or,
 * when all were, its latest again), or every answer of the sessions the caller started that
 * has not reached it yet (by a report or an earlier wait). Refuses what it cannot wait for.
 */
export function waitTargets(
  callerID: string,
  owed: readonly Owed[],
  delivered: ReadonlySet<string>,
  named: string | undefined,
): { ok: true; keys: string[] } | { ok: false; refused: "self" | "not-started" } {
  if (named === undefined) return { ok: true, keys: owed.filter((item) => !delivered.has(item.key)).map((item) => item.key) }
  if (named === callerID) return { ok: false, refused: "self" }
  const its = owed.filter((item) => item.sessionID === named)
  if (its.length === 0) return { ok: false, refused: "not-started" }
  const open = its.filter((item) => !delivered.has(item.key))
  return { ok: true, keys: (open.length ? open : its.slice(-1)).map((item) => item.key) }
}

/** The wait's timeout in seconds: the call's, else the option's, kept within 1 s … 2 h. */
export function waitSeconds(asked: unknown, fallback: number): { ok: true; seconds: number } | { ok: false } {
  if (asked === undefined) return { ok: true, seconds: fallback }
  if (typeof asked !== "number" || !Number.isFinite(asked) || asked < 1 || asked > MAX_WAIT_SECONDS) return { ok: false }
  return { ok: true, seconds: asked }
}

/**
 * A wait is over once every session it covers has finished, or waits on the person (`asking`:
 * itself, or a session it started): that one will not finish until the person answers.
 */
export function waitIsOver(sessions: ReadonlyArray<Pick<Answered, "sessionID" | "state">>, asking: (sessionID: string) => boolean): boolean {
  return sessions.every((session) => isFinished(session.state) || asking(session.sessionID))
}
