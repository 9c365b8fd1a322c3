/** Names: a start's name is reserved the moment its call reaches the tool, and a start `after` it finds it (waiting for it to be made), never in a cycle. */
import { afterEach, describe, expect, it, vi } from "vitest"
import { startMarker } from "../../../test/fixtures/stored.js"
import type { Life } from "../../core/life.js"
import { SessionToolError } from "../host/errors.js"
import { Names, SAME_STEP_GRACE_MS } from "./names.js"

const CALLER = "ses_caller"
const OTHER = "ses_other_caller"

/** A session `callerID` started, named `name`. */
function life(sessionID: string, name: string | undefined, callerID = CALLER): Life {
  const state = { state: "running" } as const
  return { sessionID, marker: startMarker(callerID, name ? { name } : {}), state, turns: [{ key: sessionID, state }] }
}

/** Names over the lives each caller holds (`held`, by caller). */
function names(held: Record<string, Life[]> = {}) {
  return new Names((callerID) => held[callerID] ?? [])
}

/** A promise's outcome so far, without waiting for it. */
function watch<T>(promise: Promise<T>) {
  const seen: { settled: boolean; value?: T; error?: unknown } = { settled: false }
  promise.then(
    (value) => Object.assign(seen, { settled: true, value }),
    (error: unknown) => Object.assign(seen, { settled: true, error }),
  )
  return seen
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

afterEach(() => void vi.useRealTimers())

describe("Names: reservations", () => {
  it("refuses a name another start of the same caller holds under way, and frees it once that start is made", () => {
    const team = names()
    const first = team.reserve(CALLER, "planner")
    expect(first).toBeDefined()
    expect(team.reserve(CALLER, "planner")).toBeUndefined()
    first!.made("ses_planner")
    expect(team.reserve(CALLER, "planner")).toBeDefined()
  })

  it("keeps each caller's names apart", () => {
    const team = names()
    expect(team.reserve(CALLER, "planner")).toBeDefined()
    expect(team.reserve(OTHER, "planner")).toBeDefined()
    expect(team.reserve(OTHER, "planner")).toBeUndefined()
    expect(team.reserve("ses_third", "planner")).toBeDefined()
  })

  it("a start that settles twice (failed after made) does not free a newer start's reservation of the same name", async () => {
    const team = names()
    const first = team.reserve(CALLER, "planner")!
    first.made("ses_first")
    const second = team.reserve(CALLER, "planner")!
    first.failed()
    expect(team.reserve(CALLER, "planner")).toBeUndefined()
    const id = team.idOf(CALLER, "planner")
    second.made("ses_second")
    expect(await id).toBe("ses_second")
  })

  it("a start that failed, then is told made, does not touch the next start of its name", async () => {
    const team = names()
    const first = team.reserve(CALLER, "planner")!
    first.failed()
    const second = team.reserve(CALLER, "planner")!
    first.made("ses_first")
    const id = watch(team.idOf(CALLER, "planner"))
    await flush()
    expect(id.settled).toBe(false)
    second.made("ses_second")
    await flush()
    expect(id.value).toBe("ses_second")
  })
})

describe("Names: idOf", () => {
  it("finds a session the caller holds by its name or its id, and one read back from the store by its name", async () => {
    const team = names({ [CALLER]: [life("ses_p", "planner")] })
    expect(await team.idOf(CALLER, "planner")).toBe("ses_p")
    expect(await team.idOf(CALLER, "ses_p")).toBe("ses_p")
    expect(await team.idOf(CALLER, "coder", [life("ses_c", "coder")])).toBe("ses_c")
  })

  it("waits for a start under way and answers its id once it is made", async () => {
    const team = names()
    const planner = team.reserve(CALLER, "planner")!
    const id = watch(team.idOf(CALLER, "planner"))
    await flush()
    expect(id.settled).toBe(false)
    planner.made("ses_planner")
    await flush()
    expect(id).toEqual({ settled: true, value: "ses_planner" })
  })

  it("answers undefined for a start under way that failed", async () => {
    const team = names()
    const planner = team.reserve(CALLER, "planner")!
    const id = team.idOf(CALLER, "planner", [], "coder")
    planner.failed()
    expect(await id).toBeUndefined()
  })

  it("does not find another caller's session, held or under way", async () => {
    vi.useFakeTimers()
    const team = names({ [OTHER]: [life("ses_p", "planner", OTHER)] })
    team.reserve(OTHER, "coder")
    const byHeld = watch(team.idOf(CALLER, "planner"))
    const byReserved = watch(team.idOf(CALLER, "coder"))
    await vi.advanceTimersByTimeAsync(SAME_STEP_GRACE_MS)
    expect(byHeld).toEqual({ settled: true, value: undefined })
    expect(byReserved).toEqual({ settled: true, value: undefined })
  })
})

describe("Names: the grace for a start of the same step", () => {
  it("finds a start whose call reaches the tool 100 ms after the one that names it", async () => {
    vi.useFakeTimers()
    const team = names()
    const id = watch(team.idOf(CALLER, "planner"))
    await vi.advanceTimersByTimeAsync(100)
    expect(id.settled).toBe(false)
    const planner = team.reserve(CALLER, "planner")!
    await vi.advanceTimersByTimeAsync(SAME_STEP_GRACE_MS) // past the grace: it was found in time, and waits for the start
    expect(id.settled).toBe(false)
    planner.made("ses_planner")
    await vi.advanceTimersByTimeAsync(0)
    expect(id).toEqual({ settled: true, value: "ses_planner" })
  })

  it("answers undefined once the grace is over and no start of that name came", async () => {
    vi.useFakeTimers()
    const team = names()
    const id = watch(team.idOf(CALLER, "planner"))
    await vi.advanceTimersByTimeAsync(SAME_STEP_GRACE_MS - 1)
    expect(id.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(id).toEqual({ settled: true, value: undefined })
    team.reserve(CALLER, "planner") // too late: nothing waits for it any more
    expect(id.value).toBeUndefined()
  })
})

describe("Names: cycles between starts under way", () => {
  it("refuses a start that waits for one that waits for it, naming both", async () => {
    const team = names()
    team.reserve(CALLER, "a")
    const b = team.reserve(CALLER, "b")!
    const aWaits = watch(team.idOf(CALLER, "b", [], "a"))
    const refused = team.idOf(CALLER, "a", [], "b")
    await expect(refused).rejects.toBeInstanceOf(SessionToolError)
    await expect(refused).rejects.toThrow(/"b"[\s\S]*"a"/)
    b.made("ses_b")
    await flush()
    expect(aWaits).toEqual({ settled: true, value: "ses_b" })
  })

  it("refuses a start that would wait for itself through a third", async () => {
    const team = names()
    for (const name of ["a", "b", "c"]) team.reserve(CALLER, name)
    void team.idOf(CALLER, "b", [], "a")
    void team.idOf(CALLER, "c", [], "b")
    await expect(team.idOf(CALLER, "a", [], "c")).rejects.toThrow(SessionToolError)
  })

  it("forgets a wait once it is over: the same pair the other way round is no cycle then", async () => {
    const team = names()
    team.reserve(CALLER, "a")
    const b = team.reserve(CALLER, "b")!
    const aWaits = team.idOf(CALLER, "b", [], "a")
    b.failed()
    expect(await aWaits).toBeUndefined()
    const bWaits = watch(team.idOf(CALLER, "a", [], "b"))
    await flush()
    expect(bWaits).toEqual({ settled: false })
  })

  it("lets a chain wait (a waits for b, c waits for a): no false cycle", async () => {
    const team = names()
    const a = team.reserve(CALLER, "a")!
    const b = team.reserve(CALLER, "b")!
    team.reserve(CALLER, "c")
    const aWaits = watch(team.idOf(CALLER, "b", [], "a"))
    const cWaits = watch(team.idOf(CALLER, "a", [], "c"))
    await flush()
    expect(aWaits.settled).toBe(false)
    expect(cWaits.settled).toBe(false)
    b.made("ses_b")
    a.made("ses_a")
    await flush()
    expect(aWaits).toEqual({ settled: true, value: "ses_b" })
    expect(cWaits).toEqual({ settled: true, value: "ses_a" })
  })

  it("sees no cycle across callers: another caller's starts of the same names are theirs", async () => {
    const team = names()
    team.reserve(CALLER, "a")
    team.reserve(CALLER, "b")
    team.reserve(OTHER, "a")
    team.reserve(OTHER, "b")
    void team.idOf(CALLER, "b", [], "a")
    const other = watch(team.idOf(OTHER, "a", [], "b"))
    await flush()
    expect(other).toEqual({ settled: false })
  })
})
