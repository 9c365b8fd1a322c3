import { isFinished, unlessWaiting, type Answered } from "../../../core/gather.js"
import { reportedIn } from "../../../core/lineage.js"
import { sessionOfKey, type Isolation, type Stored } from "../../../core/protocol.js"
import { allFinished, MAX_WAIT_SECONDS, waitSeconds, waitTargets } from "../../../core/wait.js"
import { SessionToolError } from "../../errors.js"
import type { Services } from "../../services.js"
import { worktreeState } from "../../isolation/describe.js"
import { PROTOCOL } from "../../../core/protocol.js"
import type { Done } from "../done.js"
import { words } from "../words/index.js"

export type WaitCall = { sessionID: string; session?: string; timeout?: number; abort: AbortSignal }

/** A session the wait watches: as a wait shows it, and where it works if it has a worktree. */
type Watched = Answered & { isolation?: Isolation }

/**
 * Returns once the sessions this caller started (or the one named) have finished, with their
 * answers; at the timeout, with those that have and the names of those that still run. The
 * answers it returns are not reported again.
 */
export async function wait(
  services: Pick<Services, "opencode" | "lineage" | "book" | "places" | "waits" | "reporter" | "options" | "worktrees" | "followUps">,
  call: WaitCall,
): Promise<Done> {
  const { opencode, lineage, book, places, waits, reporter, followUps } = services
  const limit = waitSeconds(call.timeout, services.options.waitTimeout)
  if (!limit.ok) throw new SessionToolError(words.refusal.waitTimeout(call.timeout, MAX_WAIT_SECONDS))
  const callerID = call.sessionID
  const messages = (await opencode.messages(callerID)) as unknown as Stored[]
  const running = (id: string) => book.isBusy(id) || places.isRunning(id)
  const owedTurns = () => lineage.owedTurns(callerID, messages, running, followUps.ofCaller(callerID, messages), (followUp) => followUps.onItsWay(followUp))
  const named = call.session?.trim() || undefined
  const targets = waitTargets(callerID, await owedTurns(), reportedIn(messages), named)
  const started = lineage.childrenOf(callerID, messages)
  if (!targets.ok) throw new SessionToolError(targets.refused === "self" ? words.refusal.waitSelf : words.refusal.waitNotStarted(named!, started))
  if (targets.keys.length === 0) return { text: words.result.nothingToWait(started.length) }

  const known = new Map<string, Watched>()
  const look = async (): Promise<Watched[]> => {
    const owed = await owedTurns()
    const waiting = places.waitingFor(callerID)
    for (const turn of owed) if (targets.keys.includes(turn.key)) known.set(turn.key, { ...turn, outcome: unlessWaiting(turn, turn.outcome, waiting) })
    // A session deleted meanwhile drops out of the lineage: it is finished, without an answer.
    return targets.keys.map((key) => (owed.some((turn) => turn.key === key) ? known.get(key)! : { ...(known.get(key) ?? deleted(key)), outcome: undefined }))
  }

  const deadline = Date.now() + limit.seconds * 1000
  let sessions: Watched[]
  let timedOut = false
  for (;;) {
    const next = waits.next(callerID)
    sessions = await look()
    if (allFinished(sessions)) {
      next.cancel()
      break
    }
    const ended = await sleep(next.woken, deadline - Date.now(), call.abort)
    if (ended === "aborted") throw new SessionToolError(words.refusal.waitInterrupted)
    if (ended === "timeout") {
      next.cancel()
      timedOut = true
      sessions = await look()
      break
    }
  }
  const collected = sessions.filter((session) => isFinished(session.outcome)).map((session) => session.key)
  reporter.collected(callerID, collected)
  // What the isolated ones changed, and what each cost, is read once, for the result.
  const finished = await Promise.all(
    sessions
      .filter((session) => isFinished(session.outcome))
      .map(async (session) => ({
        ...session,
        worktree: await worktreeState(services.worktrees, session.sessionID, session.isolation),
        spent: session.outcome ? await lineage.spent(session.sessionID) : undefined,
      })),
  )
  return {
    text: words.result.wait(
      finished,
      sessions.filter((session) => !isFinished(session.outcome)),
      timedOut ? limit.seconds : undefined,
    ),
    record: { kind: "collected", v: PROTOCOL, sessions: collected },
  }
}

function deleted(key: string): Answered {
  return { key, sessionID: sessionOfKey(key), title: "(deleted)", agent: "?", mode: "new", outcome: undefined }
}

function sleep(woken: Promise<void>, ms: number, abort: AbortSignal): Promise<"woken" | "timeout" | "aborted"> {
  if (abort.aborted) return Promise.resolve("aborted")
  return new Promise((resolve) => {
    const timer = setTimeout(() => done("timeout"), Math.max(0, ms))
    const onAbort = () => done("aborted")
    const done = (how: "woken" | "timeout" | "aborted") => {
      clearTimeout(timer)
      abort.removeEventListener("abort", onAbort)
      resolve(how)
    }
    abort.addEventListener("abort", onAbort, { once: true })
    void woken.then(() => done("woken"))
  })
}
