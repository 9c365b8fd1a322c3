import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { AgentCatalog, handoffTargets } from "./host/agents.js"
import { Delivery } from "./handoff/delivery.js"
import { Joiner } from "./handoff/joiner.js"
import { describeError } from "./errors.js"
import { handleEvent } from "./events.js"
import { HandoffBook } from "../core/book.js"
import { isPluginMessage } from "../core/protocol.js"
import { Launcher } from "./started/launcher.js"
import { FirstTurns } from "./started/first-turn.js"
import { Waits } from "./started/waits.js"
import { Worktrees } from "./isolation/worktrees.js"
import { Placement } from "./isolation/placement.js"
import { worktreeState } from "./isolation/describe.js"
import { processReportClaims } from "./started/report-claims.js"
import { LineageStore } from "./started/lineage-store.js"
import { HostCapabilities } from "./host/capabilities.js"
import { HeadlessSessions } from "./host/headless.js"
import { TuiPartWatch, tuiPartListedIn } from "./host/tui-part.js"
import { Notifier } from "./host/notify.js"
import { Opencode } from "./host/opencode.js"
import { readOptions } from "./options.js"
import { Reporter } from "./started/reporter.js"
import { PermissionGate } from "./permission/gate.js"
import { words } from "./tool/words.js"
import { CallRecords } from "./tool/records.js"
import { FileClaims } from "./state/claims.js"
import { stateHome } from "./state/files.js"
import { PendingCallers } from "./state/pending.js"
import { PendingWork } from "./state/pending-work.js"
import { Recovery } from "./state/recovery.js"
import { join } from "node:path"
import { sessionTool } from "./tool/session-tool.js"

/** How long after OpenCode has loaded the plugin it resumes what it owed: by then it serves. */
const RECOVERY_DELAY_MS = 500

/**
 * One plugin instance per OpenCode project instance; all of its state lives here. Nothing in
 * this factory calls the server: OpenCode is not serving yet while it runs.
 */
export function createSessionsPlugin(input: Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory" | "worktree">>, rawOptions?: unknown): Hooks {
  const { options, problem } = readOptions(rawOptions)
  const opencode = new Opencode(input.client)
  const notifier = new Notifier(opencode, options.toasts)
  const book = new HandoffBook(options.maxAutomaticHandoffs)
  const catalog = new AgentCatalog(opencode, (error) => notifier.error(`Could not refresh the agent list: ${describeError(error)}`))
  const home = stateHome()
  const claims = new FileClaims(join(home, "claims"))
  const callers = new PendingCallers(home, input.directory ?? process.cwd(), claims)
  // Asked only later, once the launcher and the reporter below exist.
  const owes = (sessionID: string): boolean =>
    book.pending(sessionID).length > 0 ||
    launcher.waitingFor(sessionID).length > 0 ||
    lineage.knownChildren(sessionID).some((child) => (lineage.known(child)?.report ?? "none") !== "none" && !reporter.reported(child))
  const pending = new PendingWork(callers, owes, notifier)
  const delivery = new Delivery(opencode, book, notifier, (sessionID) => pending.settle(sessionID))
  const joiner = new Joiner(opencode, book, notifier, (sessionID) => delivery.kick(sessionID))
  const lineage = new LineageStore(opencode)
  const host = new HostCapabilities(notifier)
  const worktrees = new Worktrees(opencode, notifier, input.directory)
  const placement = new Placement(opencode, host, notifier)
  // The launcher, made below, is asked only later, while deciding.
  const reporter: Reporter = new Reporter(
    opencode,
    book,
    lineage,
    delivery,
    notifier,
    (callerID): string[] => launcher.waitingFor(callerID),
    processReportClaims(),
    (sessionID, isolation) => worktreeState(worktrees, sessionID, isolation),
    claims,
  )
  const waits = new Waits()
  const launcher: Launcher = new Launcher(new FirstTurns(opencode, lineage, placement, notifier), book, lineage, reporter, notifier, waits, worktrees, options.maxRunning)
  const headless = new HeadlessSessions(opencode, notifier)
  const records = new CallRecords()
  const recovery = new Recovery({ opencode, book, delivery, launcher, reporter, callers, claims, notifier, settle: (sessionID) => pending.settle(sessionID) })
  let recovered = false
  // What was owed when OpenCode last stopped is done once it serves: soon after it has loaded the
  // plugin (its config hook), or at its first event, whichever comes first. Never in the factory.
  const recover = () => {
    if (recovered) return
    recovered = true
    recovery.run().catch((error: unknown) => notifier.error(`Could not resume what was owed when OpenCode stopped: ${describeError(error)}`))
  }
  const permissions = new PermissionGate(opencode, { directory: input.directory, worktree: input.worktree, env: process.env }, host, notifier)
  const tuiPart = new TuiPartWatch({
    listedIn: () => tuiPartListedIn(process.env, input.directory ?? process.cwd(), input.worktree),
    isHeadless: (sessionID) => headless.isHeadless(sessionID),
    warn: (message) => notifier.warn(message),
  })
  let optionsProblem = problem

  return {
    tool: { session: sessionTool({ opencode, book, catalog, notifier, launcher, lineage, options, host, permissions, reporter, waits, headless, worktrees, placement, records, pending }) },

    async "tool.execute.before"({ tool, callID }, output) {
      records.before(tool, callID, output.args)
    },

    // OpenCode keeps a tool part's metadata as this hook leaves it: where each call's record goes.
    async "tool.execute.after"({ tool, callID }, output) {
      records.after(tool, callID, output)
    },

    async "tool.definition"({ toolID }, output) {
      if (toolID !== "session") return
      host.offers("live-description")
      try {
        output.description = words.description(handoffTargets(await catalog.recent()))
      } catch (error) {
        notifier.error(`Could not list agents for the session tool's description: ${describeError(error)}`)
      }
    },

    async "chat.message"({ sessionID }, output) {
      // Said when the person first writes: the TUI is surely there to show the toast then.
      if (optionsProblem) {
        notifier.error(optionsProblem)
        optionsProblem = undefined
      }
      // Releases without the tool.definition hook read the description from the last known
      // agent list: ask for it now, before this message's model request is built.
      if (!host.used("live-description")) catalog.known()
      if (isPluginMessage(output.parts)) launcher.accepted(sessionID)
      else {
        book.personWrote(sessionID)
        tuiPart.personWrote(sessionID)
      }
    },

    async "chat.params"({ sessionID }) {
      launcher.requested(sessionID)
    },

    // Awaited by OpenCode inside the turn, at the end of each text part of an answer.
    async "experimental.text.complete"({ sessionID, messageID }) {
      await joiner.textEnded(sessionID, messageID)
    },

    // OpenCode disposes the instance (on a config change, or on exit). What it still owes is
    // kept in the store and noted (state/pending.ts): the next copy of the plugin takes it over.
    async dispose() {
      delivery.stop()
      const waiting = launcher.stop()
      const held = book.heldSessions(Number.MAX_SAFE_INTEGER).flatMap((sessionID) => book.pending(sessionID))
      for (const handoff of held) if (handoff.kind === "report") reporter.giveUp((handoff.covers ?? [handoff.from]).map((sender) => sender.sessionID))
      if (held.length + waiting > 0) notifier.debug(`Unloading with ${held.length} hand-off(s) and report(s) queued and ${waiting} start(s) waiting: the next copy of the plugin resumes them.`)
    },

    async config() {
      setTimeout(recover, RECOVERY_DELAY_MS).unref()
    },

    async event({ event }) {
      recover()
      try {
        tuiPart.event(event)
        handleEvent(event, { book, delivery, joiner, reporter, lineage, launcher, opencode, waits, headless, worktrees, notifier, pending })
      } catch (error) {
        notifier.error(`opencode-sessions: handling ${event.type} failed: ${describeError(error)}`)
      }
    },
  }
}
