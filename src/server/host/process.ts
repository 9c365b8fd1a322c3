/**
 * What every copy of the plugin in one OpenCode process shares, and nothing else does: the one
 * place the plugin keeps state beyond a plugin instance, each under a typed key. Why it exists:
 * OpenCode 1.0 runs two copies of the plugin for one project (one copy's hooks are called,
 * the other copy's tool runs), and several copies hear the same events and the same TUI.
 */
import type { AskSignal } from "../../core/asks.js"
import { BoundedSet } from "../../core/bounded.js"

/** Signals one copy waits for and another copy's hooks give (a started session's first message accepted, a model request going out). */
export type Waiters = Map<string, () => void>

type Shared = {
  /** Keys some copy has acted on (a report sent, an interruption handled, a request from the TUI): the first claim wins. */
  claimed: BoundedSet<string>
  accepting: Waiters
  requesting: Waiters
  /** Callers some copy is recovering now, after OpenCode restarted. */
  recovering: Set<string>
  /** Worktrees of deleted sessions were looked for in this process. */
  worktreesSwept: boolean
  /** Some TUI in this process announced the TUI part; whether that was checked. */
  tuiPart: { registered: boolean; checked: boolean }
  /** Every copy's ear for asks: the copy whose event hook hears one tells them all (on 1.0 another copy holds the session's life). */
  askEars: Set<(ask: AskSignal) => void>
}

const KEY = Symbol.for("opencode-sessions.process")
/** Claims remembered: enough for any run, bounded for one that never stops. */
const REMEMBERED_CLAIMS = 10_000

type Holder = { [KEY]?: Shared }

function holder(value: object): value is Holder {
  return KEY in value || Object.isExtensible(value)
}

/** The process's shared state, made by the first copy that asks. */
export function shared(): Shared {
  const global: object = globalThis
  if (!holder(global)) throw new Error("opencode-sessions: the process's global object cannot hold the plugin's shared state")
  global[KEY] ??= {
    claimed: new BoundedSet(REMEMBERED_CLAIMS),
    accepting: new Map(),
    requesting: new Map(),
    recovering: new Set(),
    worktreesSwept: false,
    tuiPart: { registered: false, checked: false },
    askEars: new Set(),
  }
  return global[KEY]
}

/** True for the first claim of `key` in this process, by any copy of the plugin. */
export function firstInProcess(key: string): boolean {
  const { claimed } = shared()
  if (claimed.has(key)) return false
  claimed.add(key)
  return true
}

/** An ask this copy heard, told to every copy in the process (itself included). */
export function tellEveryCopy(ask: AskSignal): void {
  for (const ear of shared().askEars) ear(ask)
}

/** This copy hears every ask any copy hears; the function returned stops it (when OpenCode unloads the copy). */
export function hearAsks(ear: (ask: AskSignal) => void): () => void {
  const { askEars } = shared()
  askEars.add(ear)
  return () => void askEars.delete(ear)
}
