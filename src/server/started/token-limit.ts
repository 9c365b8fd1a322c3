import { describeError } from "../errors.js"
import type { Notifier } from "../host/notify.js"
import { firstInProcess } from "../host/once.js"
import type { LineageStore } from "./lineage-store.js"
import type { Stopper } from "./stopper.js"

/**
 * The `maxTokens` option: a started session whose own turns have used more tokens (input and
 * output, as OpenCode stored what the model reported) than it allows is stopped as its next step
 * begins, and its report says why. Checked beside the step, never in its way: the step's model
 * request does not wait for the count.
 */
export class TokenLimit {
  private readonly checking = new Set<string>()

  constructor(private readonly deps: { lineage: LineageStore; stopper: Stopper; notifier: Notifier; maxTokens: number }) {}

  /** From the `chat.params` hook: a step of `sessionID` is about to send its model request. */
  stepBegins(sessionID: string): void {
    if (this.deps.maxTokens <= 0 || this.checking.has(sessionID)) return
    this.checking.add(sessionID)
    this.check(sessionID)
      .catch((error: unknown) => this.deps.notifier.warn(`Could not check ${sessionID}'s tokens against maxTokens: ${describeError(error)}`, { sessionID }))
      .finally(() => this.checking.delete(sessionID))
  }

  private async check(sessionID: string): Promise<void> {
    const { lineage, stopper, notifier, maxTokens } = this.deps
    const marker = await lineage.markerOf(sessionID)
    if (!marker) return
    const spent = await lineage.spent(sessionID)
    const used = spent.input + spent.output
    if (used <= maxTokens || !firstInProcess(`max-tokens:${sessionID}:${used}`)) return
    const [result] = await stopper.stop(marker.fromSession, [sessionID], { by: "max-tokens", limit: maxTokens, used })
    if (result?.was === "running") notifier.warn(`Stopped ${marker.title}: it used ${used} tokens, more than maxTokens (${maxTokens}).`, { sessionID })
  }
}
