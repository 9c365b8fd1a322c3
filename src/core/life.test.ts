/** The one transition, state by event: what each event makes of each state, and that a repeated event changes nothing. */
import { describe, expect, it } from "vitest"
import { startMarker } from "../../test/fixtures/stored.js"
import { firstLife, isFinished, next, owedTurns, type Life, type LifeEvent, type State } from "./life.js"

const born = () => firstLife("ses_c", startMarker("ses_caller", { report: "each" }))
const run = (life: Life, ...events: LifeEvent[]) => events.reduce(next, life)
const states = (life: Life) => ({ session: life.state.state, turns: life.turns.map((turn) => `${turn.key}:${turn.state.state}`) })
const followUp = (id: string): LifeEvent => ({ type: "followed-up", key: `ses_c/${id}`, followUp: { id, agent: "docs", report: "none", call: "a9" } })
const stopped: LifeEvent = { type: "stopped", how: { state: "stopped", by: "caller" } }
const answered: LifeEvent = { type: "ended", how: { state: "answered" } }

describe("a started session's first turn", () => {
  it("waits for its place, begins, and ends as its turn did", () => {
    const life = born()
    expect(states(life)).toEqual({ session: "waiting", turns: ["ses_c:waiting"] })
    const running = next(life, { type: "began" })
    expect(states(running)).toEqual({ session: "running", turns: ["ses_c:running"] })
    for (const how of [{ state: "answered" }, { state: "failed", error: "APIError" }, { state: "interrupted" }, { state: "cut-off" }] as const) {
      const ended = next(running, { type: "ended", how })
      expect(ended.state).toEqual(how)
      expect(ended.turns[0]?.state).toEqual(how)
    }
  })

  it("waits for the caller's step to end (an isolated start), then for a place, and begins from either", () => {
    const held = next(born(), { type: "wait", for: "step" })
    expect(held.turns[0]?.state).toEqual({ state: "waiting", for: "step" })
    expect(next(held, { type: "began" }).turns[0]?.state.state).toBe("running")
    // Once begun it waits for nothing any more.
    expect(run(born(), { type: "began" }, { type: "wait", for: "place" }).turns[0]?.state.state).toBe("running")
  })

  it("never starts once dropped (an interruption), and a later stop finds nothing to stop", () => {
    const dropped = next(born(), { type: "dropped" })
    expect(states(dropped)).toEqual({ session: "never-started", turns: ["ses_c:never-started"] })
    expect(next(dropped, stopped)).toBe(dropped)
  })
})

describe("duplicates change nothing (OpenCode repeats its signals)", () => {
  const cases: Array<[string, Life, LifeEvent]> = [
    ["began while running", run(born(), { type: "began" }), { type: "began" }],
    ["ended while not running (a second idle)", run(born(), { type: "began" }, answered), answered],
    ["ended before anything ran", born(), answered],
    ["a follow-up accepted twice", run(born(), followUp("fu1")), followUp("fu1")],
    ["stopped twice", run(born(), { type: "began" }, stopped), stopped],
    ["a stop of a finished session", run(born(), { type: "began" }, answered), stopped],
    ["deleted twice", run(born(), { type: "deleted" }), { type: "deleted" }],
    ["dropped when nothing waits", run(born(), { type: "began" }), { type: "dropped" }],
  ]
  it.each(cases)("%s", (_, life, event) => {
    expect(next(life, event)).toBe(life)
  })
})

describe("follow-ups", () => {
  it("each is a turn of its own: it waits for delivery, runs once delivered, and ends with the turn it is in", () => {
    const answeredFirst = run(born(), { type: "began" }, answered, followUp("fu1"))
    expect(states(answeredFirst)).toEqual({ session: "answered", turns: ["ses_c:answered", "ses_c/fu1:waiting"] })
    const delivered = next(answeredFirst, { type: "delivered", key: "ses_c/fu1" })
    expect(states(delivered)).toEqual({ session: "running", turns: ["ses_c:answered", "ses_c/fu1:running"] })
    expect(states(next(delivered, answered))).toEqual({ session: "answered", turns: ["ses_c:answered", "ses_c/fu1:answered"] })
  })

  it("joining a running turn shares that turn's end with the first turn", () => {
    const joined = run(born(), { type: "began" }, followUp("fu1"), { type: "delivered", key: "ses_c/fu1" }, answered)
    expect(states(joined)).toEqual({ session: "answered", turns: ["ses_c:answered", "ses_c/fu1:answered"] })
  })

  it("a stop ends what runs and what waits, and leaves what had ended", () => {
    const life = run(born(), { type: "began" }, answered, followUp("fu1"), { type: "delivered", key: "ses_c/fu1" }, followUp("fu2"), stopped)
    expect(states(life)).toEqual({ session: "stopped", turns: ["ses_c:answered", "ses_c/fu1:stopped", "ses_c/fu2:stopped"] })
  })

  it("one read back as never sent waits for its delivery again when it is sent after all (a restart's recovery)", () => {
    const never = run(born(), { type: "began" }, answered, followUp("fu1"), { type: "dropped", key: "ses_c/fu1" })
    expect(states(never).turns).toEqual(["ses_c:answered", "ses_c/fu1:never-started"])
    expect(states(next(never, followUp("fu1"))).turns).toEqual(["ses_c:answered", "ses_c/fu1:waiting"])
  })

  it("one dropped before its delivery never starts; the others stay as they are", () => {
    const life = run(born(), { type: "began" }, followUp("fu1"), followUp("fu2"), { type: "dropped", key: "ses_c/fu2" })
    expect(states(life)).toEqual({ session: "running", turns: ["ses_c:running", "ses_c/fu1:waiting", "ses_c/fu2:never-started"] })
  })
})

describe("after a stop or a deletion", () => {
  it("a turn cut off by a stop of OpenCode is resumed by the next turn, and answers with it", () => {
    const cut = run(born(), { type: "began" }, { type: "ended", how: { state: "cut-off" } }, followUp("fu1"))
    expect(states(cut)).toEqual({ session: "cut-off", turns: ["ses_c:cut-off", "ses_c/fu1:waiting"] })
    expect(states(run(cut, { type: "began" }, answered))).toEqual({ session: "answered", turns: ["ses_c:answered", "ses_c/fu1:waiting"] })
  })

  it("a stopped session runs again when a new turn begins there, and its earlier turns stay stopped", () => {
    const resumed = run(born(), { type: "began" }, stopped, { type: "began" })
    expect(states(resumed)).toEqual({ session: "running", turns: ["ses_c:stopped"] })
    expect(next(resumed, answered).state.state).toBe("answered")
  })

  it("a stop that did not take puts the life back as it was, turns and all; after anything newer it changes nothing", () => {
    const running = run(born(), { type: "began" }, followUp("fu1"))
    const stoppedLife = next(running, stopped)
    expect(next(stoppedLife, { type: "unstopped", before: running })).toBe(running)
    const resumed = next(stoppedLife, { type: "began" })
    expect(next(resumed, { type: "unstopped", before: running })).toBe(resumed)
  })

  it("the end of a stopped turn (its abort) does not change why it ended", () => {
    const life = run(born(), { type: "began" }, stopped)
    expect(next(life, { type: "ended", how: { state: "interrupted" } })).toBe(life)
  })

  it("a deleted session's unfinished turns are deleted; finished ones keep their end", () => {
    const life = run(born(), { type: "began" }, answered, followUp("fu1"), { type: "deleted" })
    expect(states(life)).toEqual({ session: "deleted", turns: ["ses_c:answered", "ses_c/fu1:deleted"] })
  })
})

describe("what counts as finished", () => {
  it("has an answer or never will; cut off, waiting and running do not", () => {
    const finished: State[] = [
      { state: "answered" },
      { state: "failed", error: "x" },
      { state: "interrupted" },
      { state: "stopped", by: "person" },
      { state: "never-started" },
      { state: "deleted" },
    ]
    const open: State[] = [{ state: "cut-off" }, { state: "running" }, { state: "waiting", for: "place" }]
    expect(finished.every(isFinished)).toBe(true)
    expect(open.some(isFinished)).toBe(false)
  })
})

describe("owedTurns", () => {
  it("gives each turn as one answer: a follow-up's with its own agent, report and calling message", () => {
    const life = run(born(), { type: "began" }, answered, followUp("fu1"))
    expect(owedTurns(life).map(({ key, agent, report, call, followUp }) => ({ key, agent, report, call, followUp }))).toEqual([
      { key: "ses_c", agent: "plan", report: "each", call: "a1", followUp: undefined },
      { key: "ses_c/fu1", agent: "docs", report: "none", call: "a9", followUp: "fu1" },
    ])
  })
})
