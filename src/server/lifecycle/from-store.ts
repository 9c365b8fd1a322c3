/**
 * Lives read back from OpenCode's store, for the sessions the lifecycle does not hold (after a
 * restart, or started by another copy of the plugin), and the answers' texts, which stay in the
 * store: the caller's call records name the sessions it started, its follow-ups and which starts
 * waited for a place; each started session's own messages tell how its turns stand.
 */
import type { Life } from "../../core/life.js"
import { readOutcome, turnOutcomes } from "../../core/outcome.js"
import type { Stored } from "../../core/stored.js"
import { OpencodeCallError } from "../host/errors.js"
import type { Opencode } from "../host/opencode.js"

/** A session's messages (the newest `limit`), or undefined if it no longer exists. */
export async function readSession(opencode: Opencode, sessionID: string, limit?: number): Promise<Stored[] | undefined> {
  try {
    return await opencode.messages(sessionID, limit)
  } catch (error) {
    if (error instanceof OpencodeCallError && error.status === 404) return undefined
    throw error
  }
}

/**
 * The answers' texts of the turns `keys` of a started session that answered, read from the store:
 * the newest messages hold the answer of a session without follow-ups; one with follow-ups is
 * read whole, to tell its turns apart.
 */
export async function answersOf(opencode: Opencode, life: Life, keys: readonly string[]): Promise<Map<string, string>> {
  const answered = keys.filter((key) => life.turns.find((turn) => turn.key === key)?.state.state === "answered")
  const answers = new Map<string, string>()
  if (answered.length === 0) return answers
  const followedUp = life.turns.length > 1
  const messages = await readSession(opencode, life.sessionID, followedUp ? undefined : 2)
  if (!messages) return answers
  const outcomes = followedUp ? turnOutcomes(life.sessionID, messages, false) : new Map([[life.sessionID, readOutcome(messages, false)]])
  for (const key of answered) {
    const answer = outcomes.get(key)?.answer
    if (answer !== undefined) answers.set(key, answer)
  }
  return answers
}

/** Reads at once, at most this many: status with hundreds of started sessions must not flood the server. */
export const READ_CONCURRENCY = 8

/** `work` on every item, at most `limit` at once, results in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
