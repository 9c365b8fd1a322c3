/**
 * What each session is doing, read from the server's event stream (the harness's `events`)
 * instead of asking the server: the bench waits on these without adding requests to the
 * server while it is being measured. Events are folded in incrementally, so a wait that is
 * re-checked on every event stays cheap even after tens of thousands of events.
 */
import type { AssistantMessage, Message, UserMessage } from "@opencode-ai/sdk"
import type { Harness } from "../../test/e2e/harness.js"

type SessionView = {
  messages: Map<string, Message>
  status?: string
  /** When this process saw each status change: `Date.now()` as the event was folded in. */
  statusSeen: Array<{ status: string; at: number }>
}

export type Turn = { user: UserMessage; answer: AssistantMessage }

export class Tracker {
  private readonly sessions = new Map<string, SessionView>()
  private seen = 0

  constructor(readonly oc: Harness) {}

  private view(sessionID: string): SessionView {
    this.update()
    let view = this.sessions.get(sessionID)
    if (!view) {
      view = { messages: new Map(), statusSeen: [] }
      this.sessions.set(sessionID, view)
    }
    return view
  }

  private update(): void {
    const events = this.oc.events
    for (; this.seen < events.length; this.seen++) {
      const event = events[this.seen]!
      if (event.type === "message.updated") {
        const info = event.properties.info
        this.viewRaw(info.sessionID).messages.set(info.id, info)
      } else if (event.type === "session.status") {
        const view = this.viewRaw(event.properties.sessionID)
        view.status = event.properties.status.type
        view.statusSeen.push({ status: view.status, at: Date.now() })
      } else if (event.type === "session.deleted") {
        this.sessions.delete(event.properties.info.id)
      }
    }
  }

  private viewRaw(sessionID: string): SessionView {
    let view = this.sessions.get(sessionID)
    if (!view) {
      view = { messages: new Map(), statusSeen: [] }
      this.sessions.set(sessionID, view)
    }
    return view
  }

  /** User messages of the session, oldest first (message ids sort by creation). */
  users(sessionID: string): UserMessage[] {
    return [...this.view(sessionID).messages.values()].filter((m): m is UserMessage => m.role === "user").sort((a, b) => (a.id < b.id ? -1 : 1))
  }

  /**
   * When this process first saw the session go idle at or after `since` (epoch ms). Events are
   * folded in as they arrive while a wait is running (every event re-checks the waits), so
   * this is the arrival time of the event, to within a few milliseconds.
   */
  idleSeenAfter(sessionID: string, since: number): number | undefined {
    return this.view(sessionID).statusSeen.find((entry) => entry.status === "idle" && entry.at >= since)?.at
  }

  idle(sessionID: string): boolean {
    return this.view(sessionID).status === "idle"
  }

  /** The final answer (finished, not a tool-call step) to this user message, if any yet. */
  finalAnswer(sessionID: string, userID: string): AssistantMessage | undefined {
    for (const message of this.view(sessionID).messages.values()) {
      if (message.role === "assistant" && message.parentID === userID && message.time.completed !== undefined && message.finish !== "tool-calls") {
        return message
      }
    }
    return undefined
  }

  /** The session's last user message and its final answer, once it has one. */
  lastTurn(sessionID: string): Turn | undefined {
    const user = this.users(sessionID).at(-1)
    const answer = user && this.finalAnswer(sessionID, user.id)
    return user && answer ? { user, answer } : undefined
  }

  /** Resolves once the session's last published status is idle. */
  async waitIdle(sessionID: string, timeoutMs = 60_000): Promise<void> {
    await this.oc.waitFor(`${sessionID} idle`, () => this.idle(sessionID), timeoutMs)
  }

  /** Resolves once the session's last user message addressed to `agent` has a final answer. */
  answeredBy(sessionID: string, agent: string, timeoutMs = 60_000): Promise<Turn> {
    return this.oc.waitFor(
      `${sessionID}: a final answer to the last message for ${agent}`,
      () => {
        const user = this.users(sessionID)
          .filter((m) => m.agent === agent)
          .at(-1)
        const answer = user && this.finalAnswer(sessionID, user.id)
        return user && answer ? { user, answer } : undefined
      },
      timeoutMs,
    )
  }

  /**
   * Resolves once the session holds at least `users` user messages, the last one has a final
   * answer, and the session is idle: a turn (and whatever the plugin delivered after it) is over.
   */
  settled(sessionID: string, users: number, timeoutMs = 60_000): Promise<Turn> {
    return this.oc.waitFor(
      `${sessionID}: ${users} user messages, the last one answered, idle`,
      () => (this.users(sessionID).length >= users && this.idle(sessionID) ? this.lastTurn(sessionID) : undefined),
      timeoutMs,
    )
  }

  /** Resolves once the session's last user message has a final answer (idle or not). */
  answered(sessionID: string, users: number, timeoutMs = 60_000): Promise<Turn> {
    return this.oc.waitFor(
      `${sessionID}: ${users} user messages, the last one answered`,
      () => (this.users(sessionID).length >= users ? this.lastTurn(sessionID) : undefined),
      timeoutMs,
    )
  }
}
