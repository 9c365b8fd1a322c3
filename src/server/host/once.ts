/**
 * Signals every copy of the plugin in one OpenCode process hears (1.0 runs two copies for one
 * project): the first copy to claim one acts on it, the others do not. Bounded.
 */
const KEY = Symbol.for("opencode-sessions.once")
const REMEMBERED = 10_000

/** True for the first claim of `key` in this process. */
export function firstInProcess(key: string): boolean {
  const shared = globalThis as { [KEY]?: Set<string> }
  const claimed = (shared[KEY] ??= new Set())
  if (claimed.has(key)) return false
  claimed.add(key)
  if (claimed.size > REMEMBERED) claimed.delete(claimed.values().next().value!)
  return true
}

const SHARED = Symbol.for("opencode-sessions.shared")

/**
 * A map every copy of the plugin in this process shares, by name. On 1.0 the copy whose tool
 * runs is not always the copy whose hooks OpenCode calls: a signal one copy waits for (keyed by
 * session) must reach it from the other.
 */
export function sharedInProcess<V>(name: string): Map<string, V> {
  const shared = globalThis as { [SHARED]?: Map<string, Map<string, unknown>> }
  const maps = (shared[SHARED] ??= new Map<string, Map<string, unknown>>())
  let map = maps.get(name)
  if (!map) maps.set(name, (map = new Map<string, unknown>()))
  return map as Map<string, V>
}
