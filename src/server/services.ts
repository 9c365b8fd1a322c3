import type { PluginInput } from "@opencode-ai/plugin"
import { join } from "node:path"
import { HandoffBook } from "../core/book.js"
import { Bus } from "../core/bus.js"
import { Delivery } from "./handoff/delivery.js"
import { Joiner } from "./handoff/joiner.js"
import { AgentCatalog } from "./host/agents.js"
import { HostCapabilities } from "./host/capabilities.js"
import { describeError } from "./host/errors.js"
import { HeadlessSessions } from "./host/headless.js"
import { Notifier } from "./host/notify.js"
import { Opencode } from "./host/opencode.js"
import type { Options } from "./host/options.js"
import { TuiPartWatch, tuiPartListedIn } from "./host/tui-part.js"
import { Placement } from "./isolation/placement.js"
import { Worktrees } from "./isolation/worktrees.js"
import { Lifecycle } from "./lifecycle/lifecycle.js"
import { OpencodeEvents } from "./lifecycle/opencode-events.js"
import * as signals from "./lifecycle/signals.js"
import { PermissionGate } from "./permission/gate.js"
import { FirstTurns } from "./started/first-turn.js"
import { Launcher } from "./started/launcher.js"
import { Reporter } from "./started/reporter.js"
import { Stopper } from "./started/stopper.js"
import { Claims } from "./state/claims.js"
import { stateHome } from "./state/files.js"
import { PendingCallers } from "./state/pending.js"
import { Recovery } from "./started/recovery.js"
import { Names } from "./team/names.js"
import { Replies } from "./team/replies.js"
import { CallRecords } from "./tool/records.js"
import type { ToolServices } from "./tool/modes/services.js"
import { firstInProcess } from "./host/process.js"
import { wordingFor, words } from "./words/index.js"

/** Everything one plugin instance holds: what the tool works with, and the parts only its hooks drive. */
export type Parts = ToolServices & { records: CallRecords } & {
  joiner: Joiner
  recovery: Recovery
  tuiPart: TuiPartWatch
  events: OpencodeEvents
  claims: Claims
}

export type Where = Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory" | "worktree">>

/**
 * Builds one plugin instance's parts, each from those built before it, then connects them to the
 * signals they act on. Nothing here calls the server: OpenCode is not serving yet while the
 * plugin's factory runs.
 */
export function buildParts(input: Where, options: Options): Parts {
  const directory = input.directory ?? process.cwd()
  const wording = wordingFor(process.env)
  const opencode = new Opencode(input.client)
  const notifier = new Notifier(opencode, options.toasts)
  const bus = new Bus((signal, error) => notifier.error(`opencode-sessions: acting on ${signal} failed: ${describeError(error)}`))
  const lifecycle = new Lifecycle(bus, opencode, (message) => notifier.warn(message))
  const events = new OpencodeEvents(lifecycle, bus)
  const host = new HostCapabilities(notifier)
  const book = new HandoffBook(options.maxAutomaticHandoffs)
  const catalog = new AgentCatalog(opencode, (error) => notifier.error(`Could not refresh the agent list: ${describeError(error)}`))
  const claims = new Claims(join(stateHome(), "claims"), (why) => notifier.debug(`Claim taken over: ${why}`))
  const delivery = new Delivery({ opencode, book, lifecycle, notifier, wording })
  const joiner = new Joiner({ opencode, book, lifecycle, bus, notifier, wording })
  const worktrees = new Worktrees(opencode, notifier, input.directory)
  const placement = new Placement(opencode, host, notifier)
  const reporter = new Reporter({ opencode, book, lifecycle, bus, notifier, claims, worktrees, wording })
  const replies = new Replies({ opencode, book, bus, notifier, claims, running: (sessionID) => lifecycle.isRunning(sessionID), wording })
  const names = new Names((callerID) => lifecycle.heldChildren(callerID))
  const owed = { owes: (sessionID: string) => reporter.owes(sessionID) || replies.owes(sessionID) }
  const pending = new PendingCallers(stateHome(), directory, { claims, notifier, owed })
  const turns = new FirstTurns({ opencode, lifecycle, placement, notifier, wording })
  // Nothing queued for it (a hand-off, a follow-up, a report) and nothing joined its turn: the answer it gave is its last.
  const quiet = (sessionID: string) => book.pending(sessionID).length === 0 && !joiner.goesOn(sessionID)
  const launcher = new Launcher({ turns, lifecycle, notifier, worktrees, maxRunning: options.maxRunning, quiet, wording })
  const stopper = new Stopper({ opencode, book, launcher, lifecycle, notifier, maxTokens: options.maxTokens, maxTreeTokens: options.maxTreeTokens, wording })
  const headless = new HeadlessSessions(opencode, notifier)
  const permissions = new PermissionGate({ opencode, location: { directory: input.directory, worktree: input.worktree, env: process.env }, host, notifier })
  const recovery = new Recovery({ opencode, book, lifecycle, delivery, launcher, reporter, replies, callers: pending, claims, notifier })
  const tuiPart = new TuiPartWatch({
    listedIn: () => tuiPartListedIn(process.env, directory, input.worktree),
    isHeadless: (sessionID) => headless.isHeadless(sessionID),
    warn: (message) => notifier.warn(message),
  })
  const records = new CallRecords()
  const parts: Parts = {
    ...{ opencode, bus, book, lifecycle, catalog, notifier, launcher, options, host, permissions, reporter, headless, worktrees, placement },
    ...{ records, pending, delivery, stopper, turns, wording, joiner, recovery, tuiPart, events, claims, names, replies },
  }
  connect(parts)
  return parts
}

/** Who acts on which signal, in the order they act. */
function connect(parts: Parts): void {
  const { bus, lifecycle, launcher, stopper, joiner, book, delivery, reporter, replies, pending, turns, tuiPart, notifier, options } = parts
  bus.on(signals.StepBegan, ({ sessionID }) => {
    turns.requested(sessionID)
    launcher.stepOver(sessionID)
    stopper.stepBegan(sessionID)
  })
  bus.on(signals.MessageAccepted, ({ sessionID, from }) => {
    if (from === "plugin") return turns.accepted(sessionID)
    book.personWrote(sessionID)
    tuiPart.personWrote(sessionID)
  })
  bus.on(signals.LifeChanged, ({ sessionID, callerID, keys }) => {
    const life = lifecycle.life(sessionID)
    launcher.changed(life, keys)
    reporter.changed(life, keys)
    pending.settle(callerID)
  })
  bus.on(signals.AnswerGiven, ({ sessionID }) => launcher.answerGiven(sessionID))
  bus.on(signals.TurnEnded, ({ sessionID }) => {
    stopper.turnEnded(sessionID)
    launcher.stepOver(sessionID)
    joiner.ended(sessionID)
    delivery.kick(sessionID)
    reporter.turnEnded(sessionID)
    replies.turnEnded(sessionID)
    pending.settle(sessionID)
  })
  bus.on(signals.WorkQueued, ({ sessionID }) => delivery.kick(sessionID))
  bus.on(signals.TurnFailed, ({ sessionID, error }) => joiner.failed(sessionID, error))
  bus.on(signals.TurnInterrupted, ({ sessionID, turn }) => {
    delivery.cancel(sessionID, joiner.interrupted(sessionID))
    launcher.cancelWaiting(sessionID)
    if (options.stopWithCaller) stopWithCaller(parts, sessionID, turn)
  })
  bus.on(signals.StopAsked, ({ callerID }) => personStops(parts, callerID))
  bus.on(signals.Asked, ({ sessionID, ask }) => {
    const life = lifecycle.life(sessionID)
    // 1.0 runs two copies of the plugin, which both hear the ask: one toast.
    if (life && firstInProcess(`asked:${ask.id}`)) notifier.warn(words.toast.asked(life.marker.title, life.marker.agent, ask), { sessionID })
  })
  bus.on(signals.TuiPartAnnounced, () => tuiPart.registered())
  bus.on(signals.SessionDeleted, ({ sessionID }) => {
    book.forget(sessionID)
    launcher.forget(sessionID)
    reporter.forget(sessionID)
    replies.forget(sessionID)
    pending.settle(sessionID)
    worktreeOfDeleted(sessionID, parts)
    // What the plugin still holds, for anyone checking it does not grow (see the benchmark).
    notifier.debug("session deleted; state released", { sessionID, ...book.size(), started: lifecycle.size(), held: book.heldSessions().join(",") })
  })
}

/** A deleted session's worktree is never left behind silently: its work is kept under a ref, and the person is told where. */
export function worktreeOfDeleted(sessionID: string, { worktrees, notifier }: Pick<Parts, "worktrees" | "notifier">): void {
  worktrees.deleted(sessionID).then(
    (result) => {
      if (!result) return
      if (result.kept) notifier.warn(`Session ${sessionID} was deleted: its worktree is removed, its work is kept in ${result.root} under ${result.kept}.`)
      else notifier.info(`Session ${sessionID} was deleted: its worktree (no changes) is removed.`)
    },
    (error: unknown) => notifier.error(`Session ${sessionID} was deleted, and its worktree could not be removed: ${describeError(error)}`),
  )
}

/**
 * The person interrupted a turn of `callerID`: the sessions that turn started and that still run
 * are stopped too (unless option stopWithCaller is off), and the person hears which.
 */
function stopWithCaller({ stopper, notifier, lifecycle }: Parts, callerID: string, turn: string | undefined): void {
  stopper.callerInterrupted(callerID, turn).then(
    (stopped) => {
      if (stopped.length === 0) return
      const titles = stopped.map(({ sessionID }) => lifecycle.life(sessionID)?.marker.title ?? sessionID)
      notifier.warn(
        `Interrupted: also stopped ${stopped.length} session${stopped.length > 1 ? "s" : ""} this turn started (${titles.join(", ")}). Option stopWithCaller: false keeps them running.`,
        { sessionID: callerID },
      )
    },
    (error: unknown) => notifier.error(`Could not stop the sessions the interrupted turn started: ${describeError(error)}`, { sessionID: callerID }),
  )
}

/** The person asked, from the TUI, to stop what `callerID` started: what runs or waits stops, and a toast says what. */
function personStops({ stopper, notifier, lifecycle }: Parts, callerID: string): void {
  stopper.stopAll(callerID, { by: "person" }).then(
    (stopped) => {
      if (stopped.length === 0) return notifier.warn("Nothing to stop: no session started here runs or waits to start.", { sessionID: callerID })
      const titles = stopped.map(({ sessionID }) => lifecycle.life(sessionID)?.marker.title ?? sessionID)
      notifier.warn(`Stopped ${stopped.length} session${stopped.length > 1 ? "s" : ""} started here: ${titles.join(", ")}.`, { sessionID: callerID })
    },
    (error: unknown) => notifier.error(`Could not stop the sessions started here: ${describeError(error)}`, { sessionID: callerID }),
  )
}
