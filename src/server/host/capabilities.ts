import type { Feature } from "../words/refusals.js"
import type { Notifier } from "./notify.js"
import { words } from "../words/index.js"

/**
 * What the OpenCode release the plugin runs on offers, learnt by using it (never from a version
 * number), and what the plugin does where a feature is missing. The rest of the code asks here.
 * A missing feature with no full fallback is said once to the person (toast and log) and in the
 * next tool result; one with a full fallback only goes to the log.
 */
export type { Feature }

/** Which missing features are said to the person (no full fallback); what each is and its fallback are words (tool/words.ts). */
const LOUD: Record<Feature, boolean> = {
  "permission-prompt": true,
  "live-description": false,
  fork: true,
  worktree: true,
  "call-records": true,
  "caller-model": false,
  "ask-list": false,
}

export class HostCapabilities {
  private readonly missing = new Map<Feature, string>()
  private readonly seen = new Set<Feature>()
  private readonly unsaid = new Set<Feature>()

  constructor(private readonly notifier: Notifier) {}

  /** The host lacks `feature` (`why`: what was observed). Said once, however often it is found. */
  lacks(feature: Feature, why: string): void {
    if (this.missing.has(feature)) return
    this.missing.set(feature, why)
    const info = words.features[feature]
    const message = `opencode-sessions on this OpenCode: ${info.what} is not available (${why}); ${info.instead}.`
    if (LOUD[feature]) {
      this.notifier.warn(message, { feature })
      this.unsaid.add(feature)
    } else this.notifier.debug(message, { feature })
  }

  /** The host used `feature` (a hook was called): it offers it. */
  offers(feature: Feature): void {
    this.seen.add(feature)
  }

  /** The host has been seen using `feature`. */
  used(feature: Feature): boolean {
    return this.seen.has(feature)
  }

  /** By now the host would have used `feature` if it offered it. */
  expect(feature: Feature, why: string): void {
    if (!this.seen.has(feature)) this.lacks(feature, why)
  }

  has(feature: Feature): boolean {
    return !this.missing.has(feature)
  }

  /** Why `feature` is off, for a refusal. */
  whyMissing(feature: Feature): string | undefined {
    const why = this.missing.get(feature)
    return why === undefined ? undefined : `${words.features[feature].what} is not available on this OpenCode (${why})`
  }

  /** The limits found since the last tool result, for that result to say them too (each once). */
  takeUnsaid(): string[] {
    const notes = [...this.unsaid].map((feature) => words.result.hostNote(words.features[feature].what, words.features[feature].instead))
    this.unsaid.clear()
    return notes
  }
}
