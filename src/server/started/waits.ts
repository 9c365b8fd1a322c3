/**
 * Where `wait` calls sleep: a caller's waits are woken whenever something that may end them
 * happens (one of its started sessions finished, went idle, or was deleted), and look again.
 */
export class Waits {
  private readonly sleepers = new Map<string, Set<() => void>>()

  /** Resolves at the next `wake(callerID)`. Ask before looking, so that no wake falls between. */
  next(callerID: string): { woken: Promise<void>; cancel: () => void } {
    let wake!: () => void
    const woken = new Promise<void>((resolve) => (wake = resolve))
    const sleepers = this.sleepers.get(callerID) ?? new Set<() => void>()
    this.sleepers.set(callerID, sleepers.add(wake))
    const cancel = () => {
      sleepers.delete(wake)
      if (sleepers.size === 0 && this.sleepers.get(callerID) === sleepers) this.sleepers.delete(callerID)
    }
    return { woken: woken.finally(cancel), cancel }
  }

  wake(callerID: string): void {
    for (const wake of this.sleepers.get(callerID) ?? []) wake()
  }

  /** Callers with a wait in progress: for the memory benchmark, it must fall back to none. */
  size(): number {
    return this.sleepers.size
  }
}
