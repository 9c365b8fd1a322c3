/**
 * `mode: "wait"`, the pure part: which started sessions a wait covers, how long it waits, and
 * when it is over. No I/O, no clock.
 */
import { isFinished, type Answered } from "./gather.js"

export const DEFAULT_WAIT_SECONDS = 600
export const MAX_WAIT_SECONDS = 7200

/**
 * What a wait covers: the one session named, or every session the caller started whose answer
 * has not reached it yet (by a report or an earlier wait). Refuses what it cannot wait for.
 */
export function waitTargets(
  callerID: string,
  started: readonly string[],
  delivered: ReadonlySet<string>,
  named: string | undefined,
): { ok: true; sessions: string[] } | { ok: false; refused: "self" | "not-started" } {
  if (named === undefined) return { ok: true, sessions: started.filter((id) => !delivered.has(id)) }
  if (named === callerID) return { ok: false, refused: "self" }
  if (!started.includes(named)) return { ok: false, refused: "not-started" }
  return { ok: true, sessions: [named] }
}

/** The wait's timeout in seconds: the call's, else the option's, kept within 1 s … 2 h. */
export function waitSeconds(asked: unknown, fallback: number): { ok: true; seconds: number } | { ok: false } {
  if (asked === undefined) return { ok: true, seconds: fallback }
  if (typeof asked !== "number" || !Number.isFinite(asked) || asked < 1 || asked > MAX_WAIT_SECONDS) return { ok: false }
  return { ok: true, seconds: asked }
}

export function allFinished(sessions: readonly Answered[]): boolean {
  return sessions.every((session) => isFinished(session.outcome))
}
