/**
 * Waits that resolve on what OpenCode publishes: a check runs again on every event (and on a
 * slow poll, for what no event announces), never after a fixed sleep.
 */
export type WaitFor = <T>(description: string, check: () => T | Promise<T>, timeoutMs?: number) => Promise<NonNullable<T>>

/** A `waitFor` whose checks run again whenever `listeners` are called (on each event). */
export function waitsOn(listeners: Set<() => void>): WaitFor {
  return (description, check, timeoutMs = 30_000) =>
    new Promise((resolveWait, reject) => {
      let settled = false
      let running = false
      let again = false
      const finish = (error?: Error, value?: unknown) => {
        if (settled) return
        settled = true
        listeners.delete(evaluate)
        clearInterval(poll)
        clearTimeout(timer)
        if (error) reject(error)
        else resolveWait(value as never)
      }
      const evaluate = () => {
        if (settled) return
        if (running) {
          again = true
          return
        }
        running = true
        Promise.resolve()
          .then(check)
          .then(
            (value) => {
              running = false
              if (value) finish(undefined, value)
              else if (again) {
                again = false
                evaluate()
              }
            },
            (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
          )
      }
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`)), timeoutMs)
      // A slow poll as a safety net for conditions no event announces (e.g. a message count).
      const poll = setInterval(evaluate, 1_000)
      listeners.add(evaluate)
      evaluate()
    })
}
