/**
 * Started sessions whose answers some instance of this plugin has queued as a report, shared
 * by every instance in the OpenCode process: a release may load the plugin more than once
 * (1.0 runs two instances for one project), and each sees the same idle events and the same
 * store, so without a shared claim each would send the same report. Keyed by session ids, which
 * are unique across projects, and bounded.
 */
const KEY = Symbol.for("opencode-sessions.report-claims")
const REMEMBERED = 10_000

export class ReportClaims {
  private readonly claimed = new Set<string>()

  has(sessionID: string): boolean {
    return this.claimed.has(sessionID)
  }

  /** Claims all of `sessionIDs` for one report, or none if any is claimed already. */
  claim(sessionIDs: readonly string[]): boolean {
    if (sessionIDs.some((id) => this.claimed.has(id))) return false
    for (const id of sessionIDs) this.claimed.add(id)
    while (this.claimed.size > REMEMBERED) this.claimed.delete(this.claimed.values().next().value!)
    return true
  }

  forget(sessionID: string): void {
    this.claimed.delete(sessionID)
  }
}

/** The claims of this OpenCode process. */
export function processReportClaims(): ReportClaims {
  const shared = globalThis as { [KEY]?: ReportClaims }
  shared[KEY] ??= new ReportClaims()
  return shared[KEY]
}
