import type { Hooks, PluginInput } from "@opencode-ai/plugin"
import { AgentCatalog, handoffTargets } from "./agents.js"
import { Delivery } from "./delivery.js"
import { Joiner } from "./joiner.js"
import { describeError } from "./errors.js"
import { handleEvent } from "./events.js"
import { HandoffBook } from "../core/book.js"
import { isPluginMessage } from "../core/format.js"
import { Launcher } from "./launcher.js"
import { FirstTurns } from "./first-turn.js"
import { Waits } from "./waits.js"
import { Worktrees } from "./isolation/worktrees.js"
import { Placement } from "./isolation/placement.js"
import { worktreeState } from "./isolation/describe.js"
import { processReportClaims } from "./report-claims.js"
import { LineageStore } from "./lineage-store.js"
import { HostCapabilities } from "./host/capabilities.js"
import { HeadlessSessions } from "./host/headless.js"
import { TuiPartWatch, tuiPartListedIn } from "./host/tui-part.js"
import { Notifier } from "./notify.js"
import { Opencode } from "./opencode/client.js"
import { readOptions } from "./options.js"
import { Reporter } from "./reporter.js"
import { PermissionGate } from "./permission/gate.js"
import { words } from "./tool/words.js"
import { sessionTool } from "./tool/session-tool.js"

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
  const delivery = new Delivery(opencode, book, notifier)
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
  )
  const waits = new Waits()
  const launcher: Launcher = new Launcher(new FirstTurns(opencode, lineage, placement, notifier), book, lineage, reporter, notifier, waits, worktrees, options.maxRunning)
  const headless = new HeadlessSessions(opencode, notifier)
  const permissions = new PermissionGate(opencode, { directory: input.directory, worktree: input.worktree, env: process.env }, host, notifier)
  const tuiPart = new TuiPartWatch({
    listedIn: () => tuiPartListedIn(process.env, input.directory ?? process.cwd(), input.worktree),
    isHeadless: (sessionID) => headless.isHeadless(sessionID),
    warn: (message) => notifier.warn(message),
  })
  let optionsProblem = problem

  return {
    tool: { session: sessionTool({ opencode, book, catalog, notifier, launcher, lineage, options, host, permissions, reporter, waits, headless, worktrees, placement }) },

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

    // OpenCode disposes the instance (on a config change, or on exit): queued hand-offs go
    // with it, so say which instead of losing them quietly.
    async dispose() {
      const { queued } = book.size()
      if (queued > 0) notifier.warn(`OpenCode is reloading: ${queued} queued hand-off${queued > 1 ? "s were" : " was"} dropped.`)
    },

    async event({ event }) {
      try {
        tuiPart.event(event)
        handleEvent(event, { book, delivery, joiner, reporter, lineage, launcher, opencode, waits, headless, worktrees, notifier })
      } catch (error) {
        notifier.error(`opencode-sessions: handling ${event.type} failed: ${describeError(error)}`)
      }
    },
  }
}
