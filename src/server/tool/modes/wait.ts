import type { Bus } from "../../../core/bus.js"
import type { Answered } from "../../../core/gather.js"
import { isFinished, owedTurns, type OwedTurn } from "../../../core/life.js"
import { reportedIn } from "../../../core/lineage.js"
import { PROTOCOL, sessionOfKey } from "../../../core/protocol.js"
import { MAX_WAIT_SECONDS, waitIsOver, waitSeconds, waitTargets } from "../../../core/wait.js"
import { SessionToolError } from "../../host/errors.js"
import { worktreeState } from "../../isolation/describe.js"
import { LifeChanged, SessionDeleted } from "../../lifecycle/signals.js"
import { words } from "../../words/index.js"
import { labelOf } from "./targets.js"
import type { Done, ToolServices } from "./services.js"

export type WaitCall = { sessionID: string; session?: string; timeout?: number; abort: AbortSignal }

/**
 * Returns once the sessions this caller started (or the one named) have finished, with their
 * answers; at the timeout, with those that have and the names of those that still run. The
 * answers it returns are not reported again.
 */
export async function wait(
  services: Pick<ToolServices, "opencode" | "lifecycle" | "bus" | "reporter" | "options" | "worktrees">,
  call: WaitCall,
): Promise<Done> {
  const { opencode, lifecycle, bus, reporter } = services
  const limit = waitSeconds(call.timeout, services.options.waitTimeout)
  if (!limit.ok) throw new SessionToolError(words.refusal.waitTimeout(call.timeout, MAX_WAIT_SECONDS))
  const callerID = call.sessionID
  const messages = await opencode.messages(callerID)
  const lives = () => lifecycle.livesOf(callerID, messages)
  const named = call.session?.trim() || undefined
  const started = await lives()
  const targets = waitTargets(callerID, started.flatMap(owedTurns), reportedIn(messages), named)
  if (!targets.ok) {
    throw new SessionToolError(targets.refused === "self" ? words.refusal.waitSelf : words.refusal.waitNotStarted(named ?? "", started.map(labelOf)))
  }
  if (targets.keys.length === 0) return { text: words.result.nothingToWait(started.length) }

  // A session deleted meanwhile drops out of the caller's lives: it is finished, without an answer.
  const look = async (): Promise<OwedTurn[]> => {
    const turns = (await lives()).flatMap(owedTurns)
    return targets.keys.map((key) => turns.find((turn) => turn.key === key) ?? deleted(key))
  }

  // One that waits on the person (itself, or a session it started) will not finish by itself: the wait returns, naming the ask.
  const askers = (session: OwedTurn) => (isFinished(session.state) ? [] : lifecycle.askersUnder(session.sessionID))
  const deadline = Date.now() + limit.seconds * 1000
  let sessions: OwedTurn[]
  let timedOut = false
  for (;;) {
    const next = changeOf(bus, callerID, (sessionID) => lifecycle.isUnder(sessionID, callerID))
    sessions = await look()
    if (waitIsOver(sessions, (sessionID) => lifecycle.askersUnder(sessionID).length > 0)) {
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
  const collected = sessions.filter((session) => isFinished(session.state)).map((session) => session.key)
  reporter.collected(callerID, collected)
  // What each finished one answered, what the isolated ones changed, and what each cost, is read once, for the result.
  const held = await lives()
  const finished: Answered[] = await Promise.all(
    sessions
      .filter((session) => isFinished(session.state))
      .map(async (session) => {
        const life = held.find((one) => one.sessionID === session.sessionID)
        const [answers, worktree] = await Promise.all([
          life ? lifecycle.answers(life, [session.key]) : new Map<string, string>(),
          worktreeState(services.worktrees, session.sessionID, session.isolation),
        ])
        return { ...session, answer: answers.get(session.key), worktree, spent: lifecycle.spent(session.sessionID) }
      }),
  )
  const open = sessions.filter((session) => !isFinished(session.state))
  const asking = open.flatMap((session) => (askers(session).length ? [{ ...session, askers: askers(session) }] : []))
  return {
    text: words.result.wait(
      finished,
      asking,
      open.filter((session) => !askers(session).length),
      timedOut ? limit.seconds : undefined,
    ),
    record: { kind: "collected", v: PROTOCOL, sessions: collected },
  }
}

function deleted(key: string): OwedTurn {
  return { key, sessionID: sessionOfKey(key), title: "(deleted)", agent: "?", mode: "new", report: "none", call: "", state: { state: "deleted" } }
}

/**
 * The next change to a session `callerID` started, at any depth (`under`): its life, or its
 * deletion. Asked for before looking, so that none falls between.
 */
function changeOf(bus: Bus, callerID: string, under: (sessionID: string) => boolean): { woken: Promise<void>; cancel: () => void } {
  let wake!: () => void
  const woken = new Promise<void>((resolve) => (wake = resolve))
  const heard = (change: { sessionID: string; callerID?: string }) => void ((change.callerID === callerID || under(change.sessionID)) && wake())
  const offs = [bus.on(LifeChanged, heard), bus.on(SessionDeleted, heard)]
  const cancel = () => offs.forEach((off) => off())
  void woken.then(cancel)
  return { woken, cancel }
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
