import type { Hooks } from "@opencode-ai/plugin"
import { describeError } from "./host/errors.js"
import { handoffTargets } from "./host/agents.js"
import { readOptions } from "./host/options.js"
import { hearAsks, shared } from "./host/process.js"
import { buildParts, worktreeOfDeleted, type Parts, type Where } from "./services.js"
import { sessionTool } from "./tool/session-tool.js"
import { words } from "./words/index.js"

/** How long after OpenCode has loaded the plugin it resumes what it owed: by then it serves. */
const RECOVERY_DELAY_MS = 500

/**
 * One plugin instance per OpenCode project instance; all of its state lives in its parts
 * (services.ts). The hooks hand OpenCode's signals to the lifecycle's translation, once. Nothing
 * in this factory calls the server: OpenCode is not serving yet.
 */
export function createSessionsPlugin(input: Where, rawOptions?: unknown): Hooks {
  const { options, problem } = readOptions(rawOptions)
  const parts = buildParts(input, options)
  const { catalog, notifier, host, records, joiner, delivery, launcher, book, reporter, events, wording } = parts
  let optionsProblem = problem
  let serving = false
  // On 1.0 the copy whose event hook hears an ask is not the one holding the session's life.
  const stopHearingAsks = hearAsks((ask) => events.ask(ask))
  // What was owed when OpenCode last stopped is done once it serves: soon after it has loaded the
  // plugin (its config hook), or at its first event, whichever comes first. Never in the factory.
  const served = () => {
    if (serving) return
    serving = true
    whenServing(parts)
  }

  return {
    tool: { session: sessionTool(parts) },

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
        output.description = wording(words.description(handoffTargets(await catalog.recent())))
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
      events.message(sessionID, output.parts)
    },

    async "chat.params"({ sessionID }) {
      events.step(sessionID)
    },

    // Awaited by OpenCode inside the turn, at the end of each text part of an answer.
    async "experimental.text.complete"({ sessionID, messageID }) {
      await joiner.textEnded(sessionID, messageID)
    },

    // OpenCode disposes the instance (on a config change, or on exit). What it still owes is
    // kept in the store and noted (state/pending.ts): the next copy of the plugin takes it over.
    async dispose() {
      stopHearingAsks()
      delivery.stop()
      const waiting = launcher.stop()
      const held = book.heldSessions(Number.MAX_SAFE_INTEGER).flatMap((sessionID) => book.pending(sessionID))
      for (const handoff of held)
        if (handoff.kind === "report") reporter.giveUp((handoff.covers ?? [handoff.from]).map((sender) => sender.key ?? sender.sessionID))
      if (held.length + waiting > 0)
        notifier.debug(
          `Unloading with ${held.length} hand-off(s) and report(s) queued and ${waiting} start(s) waiting: the next copy of the plugin resumes them.`,
        )
    },

    async config() {
      setTimeout(served, RECOVERY_DELAY_MS).unref()
    },

    async event({ event }) {
      served()
      try {
        events.event(event)
      } catch (error) {
        notifier.error(`opencode-sessions: handling ${event.type} failed: ${describeError(error)}`)
      }
    },
  }
}

/** What started sessions asked the person before this copy of the plugin listened (OpenCode's lists, 1.1 and later), known as if just asked. */
function asksBefore({ opencode, lifecycle, host, notifier }: Parts): void {
  opencode.pendingAsks().then(
    (pending) => {
      if (!pending) return host.lacks("ask-list", "no GET /permission")
      for (const { sessionID, ask } of pending) lifecycle.asked(sessionID, ask)
    },
    (error: unknown) => notifier.warn(`Could not read what sessions ask the person now: ${describeError(error)}`),
  )
}

/**
 * Once OpenCode serves: what was owed when it last stopped is resumed, and (once per process)
 * worktrees whose session was deleted while no copy of the plugin watched are handled as a deletion.
 */
function whenServing(parts: Parts): void {
  const { recovery, worktrees, notifier } = parts
  recovery.run().catch((error: unknown) => notifier.error(`Could not resume what was owed when OpenCode stopped: ${describeError(error)}`))
  asksBefore(parts)
  const process = shared()
  if (process.worktreesSwept) return
  process.worktreesSwept = true
  worktrees.orphans().then(
    (orphans) => {
      for (const sessionID of orphans) worktreeOfDeleted(sessionID, parts)
    },
    (error: unknown) => notifier.warn(`Could not look for worktrees left by deleted sessions: ${describeError(error)}`),
  )
}
