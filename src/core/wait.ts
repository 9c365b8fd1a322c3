/**
 * `mode: "wait"`, the pure part: which started sessions a wait covers, when it is over, and
 * its result, whose first line names the sessions whose answers it returned, so that the
 * store keeps that they reached the caller (`reportedIn` reads it back). No I/O, no clock.
 */
import { answerBlock, isFinished, type Answered } from "./gather.js"
import { collectedLine } from "./lineage.js"

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
): { ok: true; sessions: string[] } | { ok: false; why: string } {
  if (named === undefined) return { ok: true, sessions: started.filter((id) => !delivered.has(id)) }
  if (named === callerID) return { ok: false, why: "a session cannot wait for itself (that is this one)" }
  if (!started.includes(named)) {
    const valid = started.length ? `Sessions you started: ${started.slice(-10).join(", ")}` : "You have started no sessions"
    return { ok: false, why: `${named} is not a session you started. ${valid}` }
  }
  return { ok: true, sessions: [named] }
}

/** The wait's timeout in seconds: the call's, else the option's, kept within 1 s … 2 h. */
export function waitSeconds(asked: unknown, fallback: number): { ok: true; seconds: number } | { ok: false; why: string } {
  if (asked === undefined) return { ok: true, seconds: fallback }
  if (typeof asked !== "number" || !Number.isFinite(asked)) return { ok: false, why: `timeout must be a number of seconds, from 1 to ${MAX_WAIT_SECONDS} (got ${JSON.stringify(asked)})` }
  if (asked < 1 || asked > MAX_WAIT_SECONDS) {
    return { ok: false, why: `timeout ${asked} is out of range: give seconds from 1 to ${MAX_WAIT_SECONDS}` }
  }
  return { ok: true, seconds: asked }
}

export function allFinished(sessions: readonly Answered[]): boolean {
  return sessions.every((session) => isFinished(session.outcome))
}

/**
 * The result of a wait: the first line names the sessions whose answers it holds, the answers
 * follow, and those still running are named last.
 */
export function waitResult(sessions: readonly Answered[], timedOutAfter?: number): string {
  const finished = sessions.filter((session) => isFinished(session.outcome))
  const running = sessions.filter((session) => !isFinished(session.outcome))
  const lines = [collectedLine(finished.map((session) => session.sessionID), sessions.length)]
  for (const session of finished) lines.push("", answerBlock(session))
  if (running.length) {
    const names = running.map((session) => `${session.sessionID} "${session.title}" (agent ${session.agent})`).join(", ")
    lines.push("", `Still running after ${timedOutAfter ?? 0} s: ${names}. Wait again, or see status.`)
  }
  return lines.join("\n")
}
