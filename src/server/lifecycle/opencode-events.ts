/**
 * OpenCode's events and hooks, translated once: into the lifecycle's calls (which deduplicate
 * them: OpenCode repeats idle, and tells an abort twice) and the plugin's signals. Nothing else
 * in the plugin reads an OpenCode event.
 */
import type { Event } from "@opencode-ai/sdk"
import type { Bus } from "../../core/bus.js"
import { errorText, spentOn } from "../../core/outcome.js"
import { stopStartedOf, TUI_PART_REGISTERED } from "../../core/protocol.js"
import { markerIn } from "../../core/stored.js"
import { firstInProcess, tellEveryCopy } from "../host/process.js"
import { askOf, type AskSignal } from "../../core/asks.js"
import type { Lifecycle } from "./lifecycle.js"
import { MessageAccepted, StepBegan, StopAsked, TuiPartAnnounced } from "./signals.js"

export class OpencodeEvents {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly bus: Bus,
  ) {}

  /** An ask some copy of the plugin heard (see host/process.ts): the lifecycle of this copy hears it too. */
  ask(ask: AskSignal): void {
    if ("opened" in ask) this.lifecycle.asked(ask.sessionID, ask.opened)
    else this.lifecycle.askClosed(ask.sessionID, ask.closed)
  }

  /** The `event` hook. Status "retry" counts as busy: the turn still runs. */
  event(event: Event): void {
    const ask = askOf(event)
    if (ask) return tellEveryCopy(ask)
    switch (event.type) {
      case "session.status":
        if (event.properties.status.type === "idle") this.lifecycle.ended(event.properties.sessionID)
        else this.lifecycle.began(event.properties.sessionID)
        return
      case "session.idle":
        this.lifecycle.ended(event.properties.sessionID)
        return
      case "message.updated": {
        const info = event.properties.info
        if (info.role !== "assistant") return
        // OpenCode 1.18 does not always publish session.error for an abort (not when a stream is cut): the message tells.
        if (info.error?.name === "MessageAbortedError") this.lifecycle.interrupted(info.sessionID, info.parentID)
        this.lifecycle.used(info.sessionID, info.id, info.time.created, spentOn(info))
        if (info.time.completed && !info.error && info.finish && info.finish !== "tool-calls" && info.finish !== "unknown")
          this.lifecycle.answerGiven(info.sessionID, info.id)
        return
      }
      case "message.part.updated": {
        // An answer's text as it streams: known when the turn ends, without a read.
        const part = event.properties.part
        if (part.type === "text" && !part.synthetic) this.lifecycle.texted(part.sessionID, part.messageID, part.id, part.text)
        return
      }
      case "session.error": {
        const { sessionID, error } = event.properties
        if (!sessionID || !error) return
        if (error.name === "MessageAbortedError") this.lifecycle.interrupted(sessionID)
        else this.lifecycle.failed(sessionID, errorText(error))
        return
      }
      case "session.deleted":
        this.lifecycle.deleted(event.properties.info.id)
        return
      case "tui.command.execute": {
        const command = event.properties.command
        if (command === TUI_PART_REGISTERED) this.bus.publish(TuiPartAnnounced, {})
        const callerID = stopStartedOf(command)
        // Several copies of the plugin may hear one TUI: one stop.
        if (callerID && firstInProcess(command)) this.bus.publish(StopAsked, { callerID })
        return
      }
    }
  }

  /** The `chat.message` hook: a session stored a new user message, the person's or one the plugin sent (its marker says). */
  message(sessionID: string, parts: ReadonlyArray<{ type: string; metadata?: Record<string, unknown> }>): void {
    const byPlugin = parts.some((part) => part.type === "text" && markerIn(part.metadata) !== undefined)
    this.bus.publish(MessageAccepted, { sessionID, from: byPlugin ? "plugin" : "person" })
  }

  /** The `chat.params` hook: a step of a turn in `sessionID` is about to send its model request. */
  step(sessionID: string): void {
    this.lifecycle.began(sessionID)
    this.bus.publish(StepBegan, { sessionID })
  }
}
