import type { Event } from "@opencode-ai/sdk"
import { stopStartedOf } from "../core/protocol.js"
import { describeError } from "./errors.js"
import { firstInProcess } from "./host/once.js"
import type { Parts } from "./services.js"

/** The parts of the plugin that OpenCode's events drive. */
export type EventTargets = Pick<
  Parts,
  | "book"
  | "delivery"
  | "joiner"
  | "reporter"
  | "lineage"
  | "launcher"
  | "places"
  | "opencode"
  | "waits"
  | "headless"
  | "worktrees"
  | "notifier"
  | "pending"
  | "stopper"
  | "followUps"
  | "options"
>

/**
 * What the plugin does with OpenCode's events, in the order OpenCode publishes them. Idle may
 * arrive twice, and `session.idle` repeats `session.status` idle: the delivery chain's claim
 * and the reporter's queue make that harmless. Status "retry" counts as busy: the turn is
 * still running.
 */
export function handleEvent(event: Event, targets: EventTargets): void {
  const { book, reporter } = targets
  sweepOnce(targets)
  switch (event.type) {
    case "session.status":
      if (event.properties.status.type !== "idle") {
        book.markBusy(event.properties.sessionID)
        return
      }
      idle(event.properties.sessionID, targets)
      return
    case "session.idle":
      idle(event.properties.sessionID, targets)
      return
    // An abort shows as an assistant message that ends with MessageAbortedError. OpenCode
    // 1.18.33 does not always publish session.error for it (not when a stream is cut), so
    // both are watched; cancelling twice drops nothing the second time.
    case "message.updated": {
      const info = event.properties.info
      if (info.role === "assistant" && info.error?.name === "MessageAbortedError") {
        interrupted(info.sessionID, targets)
        stopWithCaller(info.sessionID, info.parentID, targets)
      }
      return
    }
    case "session.error": {
      const { sessionID, error } = event.properties
      if (!sessionID || !error) return
      if (error.name === "MessageAbortedError") interrupted(sessionID, targets)
      else targets.joiner.failed(sessionID, error)
      return
    }
    case "tui.command.execute": {
      const callerID = stopStartedOf(event.properties.command)
      // 1.0 runs two copies of the plugin, and both hear the TUI: one stop.
      if (callerID && firstInProcess(event.properties.command)) personStops(callerID, targets)
      return
    }
    case "session.deleted": {
      const sessionID = event.properties.info.id
      const parentID = targets.lineage.known(sessionID)?.fromSession
      book.forget(sessionID)
      targets.lineage.forget(sessionID)
      targets.places.forget(sessionID)
      reporter.forget(sessionID)
      targets.headless.forget(sessionID)
      targets.followUps.forget(sessionID)
      if (parentID) targets.waits.wake(parentID)
      targets.pending.settle(sessionID)
      worktreeOfDeleted(sessionID, targets)
      // What the plugin still holds, for anyone checking it does not grow (see the benchmark).
      const held = { sessionID, ...book.size(), started: targets.lineage.size(), held: book.heldSessions().join(",") }
      targets.opencode
        .log("debug", "session deleted; state released", held)
        .catch((error: unknown) => console.error(`opencode-sessions: could not log: ${describeError(error)}`))
      return
    }
  }
}

/**
 * Once per OpenCode process, at the first event (OpenCode serves by then): worktrees whose
 * session was deleted while no copy of the plugin watched are handled as a deletion.
 */
const SWEPT = Symbol.for("opencode-sessions.worktrees-swept")

export function sweepOnce(targets: EventTargets): void {
  const process = globalThis as { [SWEPT]?: true }
  if (process[SWEPT]) return
  process[SWEPT] = true
  targets.worktrees.orphans().then(
    (orphans) => {
      for (const sessionID of orphans) worktreeOfDeleted(sessionID, targets)
    },
    (error: unknown) => targets.notifier.warn(`Could not look for worktrees left by deleted sessions: ${describeError(error)}`),
  )
}

/** A deleted session's worktree is never left behind silently: its work is kept under a ref, and the person is told where. */
function worktreeOfDeleted(sessionID: string, { worktrees, notifier }: EventTargets): void {
  worktrees.deleted(sessionID).then(
    (result) => {
      if (!result) return
      if (result.kept) notifier.warn(`Session ${sessionID} was deleted: its worktree is removed, its work is kept in ${result.root} under ${result.kept}.`)
      else notifier.info(`Session ${sessionID} was deleted: its worktree (no changes) is removed.`)
    },
    (error: unknown) => notifier.error(`Session ${sessionID} was deleted, and its worktree could not be removed: ${describeError(error)}`),
  )
}

/** The person interrupted a turn: what that session queued, and its waiting starts, are dropped. */
function interrupted(sessionID: string, { delivery, joiner, launcher }: EventTargets): void {
  delivery.cancel(sessionID, joiner.interrupted(sessionID))
  launcher.cancelWaiting(sessionID)
}

/**
 * The person interrupted the turn `turn` of `callerID`: the sessions that turn started and that
 * still run are stopped too (unless option stopWithCaller is off), and the person hears which.
 */
function stopWithCaller(callerID: string, turn: string, { stopper, notifier, options, lineage }: EventTargets): void {
  if (!options.stopWithCaller) return
  stopper.callerInterrupted(callerID, turn).then(
    async (stopped) => {
      if (stopped.length === 0) return
      const titles = await Promise.all(stopped.map(async ({ sessionID }) => (await lineage.markerOf(sessionID))?.title ?? sessionID))
      notifier.warn(
        `Interrupted: also stopped ${stopped.length} session${stopped.length > 1 ? "s" : ""} this turn started (${titles.join(", ")}). Option stopWithCaller: false keeps them running.`,
        { sessionID: callerID },
      )
    },
    (error: unknown) => notifier.error(`Could not stop the sessions the interrupted turn started: ${describeError(error)}`, { sessionID: callerID }),
  )
}

/** The person asked, from the TUI, to stop what `callerID` started: what runs or waits stops, and a toast says what. */
function personStops(callerID: string, { stopper, notifier, lineage }: EventTargets): void {
  stopper.stopAll(callerID, { by: "person" }).then(
    async (stopped) => {
      if (stopped.length === 0) return notifier.warn("Nothing to stop: no session started here runs or waits to start.", { sessionID: callerID })
      const titles = await Promise.all(stopped.map(async ({ sessionID }) => (await lineage.markerOf(sessionID))?.title ?? sessionID))
      notifier.warn(`Stopped ${stopped.length} session${stopped.length > 1 ? "s" : ""} started here: ${titles.join(", ")}.`, { sessionID: callerID })
    },
    (error: unknown) => notifier.error(`Could not stop the sessions started here: ${describeError(error)}`, { sessionID: callerID }),
  )
}

function idle(sessionID: string, { book, delivery, joiner, reporter, lineage, waits, launcher, pending, stopper }: EventTargets): void {
  stopper.turnEnded(sessionID)
  launcher.stepOver(sessionID)
  joiner.ended(sessionID)
  book.markIdle(sessionID)
  delivery.kick(sessionID)
  reporter.turnEnded(sessionID)
  pending.settle(sessionID)
  // A started session the person resumed (after a restart, say) ends here, not in the launcher.
  const parentID = lineage.known(sessionID)?.fromSession
  if (parentID) waits.wake(parentID)
}
