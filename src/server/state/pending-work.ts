import { describeError } from "../errors.js"
import type { Notifier } from "../host/notify.js"
import type { PendingCallers } from "./pending.js"

/**
 * Keeps the list of sessions owed work (state/pending.ts) in step with the plugin: a session is
 * marked when the tool accepts work for it, before the call returns, and cleared once the
 * plugin owes it nothing more (`owes`, from what it holds in memory).
 */
export class PendingWork {
  constructor(
    private readonly callers: PendingCallers,
    private readonly owes: (sessionID: string) => boolean,
    private readonly notifier: Notifier,
  ) {}

  /** Work for `sessionID` was accepted; if it cannot be noted, it still happens, but would not survive a stop: said. */
  mark(sessionID: string): void {
    try {
      this.callers.mark(sessionID)
    } catch (error) {
      this.notifier.error(`Could not note work owed to ${sessionID} (it would not be resumed if OpenCode stopped now): ${describeError(error)}`, { sessionID })
    }
  }

  /** Something owed to `sessionID` was done: cleared if nothing is owed any more. */
  settle(sessionID: string): void {
    if (this.owes(sessionID)) return
    try {
      this.callers.clear(sessionID)
    } catch (error) {
      this.notifier.warn(`Could not clear the note of work owed to ${sessionID}: ${describeError(error)}`, { sessionID })
    }
  }
}
