import type { AssistantMessage, Part, Session } from "@opencode-ai/sdk"
import type { Delivery } from "./delivery.js"
import { describeError, SessionToolError } from "./errors.js"
import type { HandoffBook } from "../core/book.js"
import { handoffText, markerMetadata } from "../core/format.js"
import type { Sender, StartedSession } from "../core/types.js"
import type { Notifier } from "./notify.js"
import type { Opencode } from "./opencode/client.js"
import type { Call } from "../core/types.js"

const ACCEPT_TIMEOUT_MS = 30_000

type Answer = { info: AssistantMessage; parts: Part[] }
type TurnOutcome = { ok: true; answer: Answer } | { ok: false; error: unknown }

/**
 * Runs the first turn of a session started by `new` or `fork` without making the caller wait
 * for its answer: the tool returns once the session has accepted its first message. When that
 * turn ends, its final answer can be sent back to the caller (`report`).
 */
export class Launcher {
  private readonly waiting = new Map<string, () => void>()

  constructor(
    private readonly opencode: Opencode,
    private readonly book: HandoffBook,
    private readonly delivery: Delivery,
    private readonly notifier: Notifier,
  ) {}

  /** Called from the `chat.message` hook: a session has stored a new user message. */
  accepted(sessionID: string): void {
    this.waiting.get(sessionID)?.()
  }

  async launch(call: Call, mode: "new" | "fork", session: Session): Promise<string> {
    const from: Sender = { agent: call.callerAgent, sessionID: call.sessionID }
    this.book.inheritCount(call.sessionID, session.id)
    const accepted = new Promise<void>((resolve) => this.waiting.set(session.id, resolve))
    const run: Promise<TurnOutcome> = this.opencode
      .prompt(session.id, {
        agent: call.agent,
        text: handoffText({ kind: "message", from, text: call.text }),
        model: call.model,
        metadata: markerMetadata({ kind: "message", from }),
      })
      .then(
        (answer) => ({ ok: true as const, answer }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        accepted,
        run.then((outcome) => {
          if (!outcome.ok) throw outcome.error
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new SessionToolError(`session: ${session.id} did not accept its first message within ${ACCEPT_TIMEOUT_MS / 1000} s.`)),
            ACCEPT_TIMEOUT_MS,
          )
        }),
      ])
    } catch (error) {
      await this.discard(session.id)
      throw error
    } finally {
      clearTimeout(timer)
      this.waiting.delete(session.id)
    }

    const started: StartedSession = {
      sessionID: session.id,
      mode,
      agent: call.agent,
      title: session.title,
      callerAgent: call.callerAgent,
      report: call.report,
    }
    this.book.recordStarted(call.sessionID, started)
    void run.then((outcome) => (outcome.ok ? this.finished(started, outcome.answer) : this.failed(started, outcome.error)))

    this.notifier.info(`${call.callerAgent} ${mode === "fork" ? "forked" : "started"} ${call.agent}: ${session.title}`)
    const report = call.report ? " Its final answer will be sent back to you here." : " Use mode status to see how it goes."
    return (
      `Started session ${session.id} "${session.title}" (agent ${call.agent}, ${mode === "fork" ? "with this conversation's history" : "no history"}). ` +
      `It runs on its own; the person can open it from the session list (/sessions).${report}`
    )
  }

  /** A session whose first message was never accepted is removed, so nothing half-made is left. */
  private async discard(sessionID: string): Promise<void> {
    try {
      await this.opencode.deleteSession(sessionID)
    } catch (error) {
      this.notifier.error(`Could not remove the unused session ${sessionID}: ${describeError(error)}`, { sessionID })
    }
  }

  private finished(started: StartedSession, answer: Answer): void {
    const error = answer.info.error
    const interrupted = error?.name === "MessageAbortedError"
    if (error && !interrupted) {
      this.notifier.error(`${started.title}: turn failed (${error.name}: ${describeError(error)})`, { sessionID: started.sessionID })
    }
    if (!started.report) return
    const text = interrupted
      ? "(The person interrupted it before it answered.)"
      : error
        ? `(The turn failed: ${error.name}: ${describeError(error)})`
        : answer.parts
            .filter((part): part is Extract<Part, { type: "text" }> => part.type === "text" && !part.synthetic)
            .map((part) => part.text)
            .join("\n")
            .trim() || "(It finished without a text answer.)"
    this.sendReport(started, text)
  }

  private failed(started: StartedSession, error: unknown): void {
    this.notifier.error(`${started.title}: its turn failed: ${describeError(error)}`, { sessionID: started.sessionID })
    if (started.report) this.sendReport(started, `(The turn failed: ${describeError(error)})`)
  }

  private sendReport(started: StartedSession, text: string): void {
    const origin = this.book.startedBy(started.sessionID)
    if (!origin) return // the calling session was deleted meanwhile: nobody to report to
    const parentAgent = origin.started.callerAgent
    this.book.enqueue({
      kind: "report",
      sessionID: origin.parentID,
      agent: parentAgent,
      text,
      from: { agent: started.agent, sessionID: started.sessionID, title: started.title },
    })
    this.notifier.info(`Report: ${started.agent} (${started.title}) → ${parentAgent}`)
    this.delivery.kick(origin.parentID)
  }
}
