import { describeError } from "./errors.js"
import type { Notifier } from "./notify.js"
import type { Opencode } from "./opencode.js"

/** Sessions whose answer is remembered; a session's own rules are set when it is made. */
const REMEMBERED = 1000

/**
 * True for a session that a headless client drives: `opencode run` (OpenCode 1.1 and later)
 * makes its session with its own rules denying `question` (no one is there to answer), and it
 * stops at the session's first idle. The mark is the host's own; the command line is not read.
 */
export function isHeadlessRuleset(rules: unknown): boolean {
  if (!Array.isArray(rules)) return false
  return rules.some((rule: unknown) => {
    const { permission, action } = (rule ?? {}) as { permission?: unknown; action?: unknown }
    return permission === "question" && action === "deny"
  })
}

/** Asks OpenCode once per session whether a headless client drives it (see `isHeadlessRuleset`). */
export class HeadlessSessions {
  private readonly known = new Map<string, boolean>()

  constructor(
    private readonly opencode: Opencode,
    private readonly notifier: Notifier,
  ) {}

  async isHeadless(sessionID: string): Promise<boolean> {
    const known = this.known.get(sessionID)
    if (known !== undefined) return known
    try {
      const headless = isHeadlessRuleset((await this.opencode.session(sessionID)).permission)
      this.known.set(sessionID, headless)
      if (this.known.size > REMEMBERED) this.known.delete(this.known.keys().next().value!)
      return headless
    } catch (error) {
      // Not knowing only costs a note in the tool's result: the call goes on as in the TUI.
      this.notifier.warn(`Could not tell whether session ${sessionID} runs headless: ${describeError(error)}`, { sessionID })
      return false
    }
  }

  forget(sessionID: string): void {
    this.known.delete(sessionID)
  }
}
