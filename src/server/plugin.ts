import type { Hooks } from "@opencode-ai/plugin"
import { messageMarker } from "../core/protocol.js"
import { describeError } from "./errors.js"
import { handleEvent } from "./events.js"
import { handoffTargets } from "./host/agents.js"
import { readOptions } from "./options.js"
import { buildParts, type Where } from "./services.js"
import { sessionTool } from "./tool/session-tool.js"
import { words } from "./tool/words/index.js"

/** How long after OpenCode has loaded the plugin it resumes what it owed: by then it serves. */
const RECOVERY_DELAY_MS = 500

/**
 * One plugin instance per OpenCode project instance; all of its state lives in its parts
 * (services.ts). Nothing in this factory calls the server: OpenCode is not serving yet.
 */
export function createSessionsPlugin(input: Where, rawOptions?: unknown): Hooks {
  const { options, problem } = readOptions(rawOptions)
  const parts = buildParts(input, options)
  const { book, catalog, notifier, host, records, joiner, turns, launcher, delivery, reporter, recovery, tuiPart, lineage, tokenLimit } = parts
  let optionsProblem = problem
  let recovered = false
  // What was owed when OpenCode last stopped is done once it serves: soon after it has loaded the
  // plugin (its config hook), or at its first event, whichever comes first. Never in the factory.
  const recover = () => {
    if (recovered) return
    recovered = true
    recovery.run().catch((error: unknown) => notifier.error(`Could not resume what was owed when OpenCode stopped: ${describeError(error)}`))
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
      const marker = messageMarker({ info: { id: "", role: "user" }, parts: output.parts })
      // A new turn begins there: a session stopped before is not any more (its stop's own marker aside).
      if (marker?.kind !== "stop") lineage.resumed(sessionID)
      if (marker) turns.accepted(sessionID)
      else {
        book.personWrote(sessionID)
        tuiPart.personWrote(sessionID)
      }
    },

    async "chat.params"({ sessionID }) {
      turns.requested(sessionID)
      launcher.stepOver(sessionID)
      tokenLimit.stepBegins(sessionID)
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
      for (const handoff of held)
        if (handoff.kind === "report") reporter.giveUp((handoff.covers ?? [handoff.from]).map((sender) => sender.key ?? sender.sessionID))
      if (held.length + waiting > 0)
        notifier.debug(
          `Unloading with ${held.length} hand-off(s) and report(s) queued and ${waiting} start(s) waiting: the next copy of the plugin resumes them.`,
        )
    },

    async config() {
      setTimeout(recover, RECOVERY_DELAY_MS).unref()
    },

    async event({ event }) {
      recover()
      try {
        tuiPart.event(event)
        handleEvent(event, parts)
      } catch (error) {
        notifier.error(`opencode-sessions: handling ${event.type} failed: ${describeError(error)}`)
      }
    },
  }
}
