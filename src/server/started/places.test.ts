import { describe, expect, it } from "vitest"
import type { FirstTurn } from "./first-turn.js"
import { Places } from "./places.js"

/** A first turn of `callerID` for session `sessionID`: all Places reads of it. */
const turn = (callerID: string, sessionID: string) => ({ call: { sessionID: callerID }, session: { id: sessionID } }) as unknown as FirstTurn

function setup() {
  const places = new Places()
  places.run("ses_A", "ses_A_run")
  for (const id of ["ses_A_w1", "ses_A_w2", "ses_A_w3"]) places.wait(turn("ses_A", id))
  for (const id of ["ses_A_h1", "ses_A_h2"]) places.hold(turn("ses_A", id))
  places.wait(turn("ses_B", "ses_B_w1"))
  places.hold(turn("ses_B", "ses_B_h1"))
  return places
}

describe("Places.dropOne", () => {
  it("drops a waiting session of that caller, keeping the order of the rest and what it holds", () => {
    const places = setup()
    expect(places.waitingFor("ses_A")).toEqual(["ses_A_h1", "ses_A_h2", "ses_A_w1", "ses_A_w2", "ses_A_w3"])
    expect(places.dropOne("ses_A", "ses_A_w2")).toBe(true)
    expect(places.waitingFor("ses_A")).toEqual(["ses_A_h1", "ses_A_h2", "ses_A_w1", "ses_A_w3"])
    expect(places.taken("ses_A")).toBe(3)
    expect(places.waitingFor("ses_B")).toEqual(["ses_B_h1", "ses_B_w1"])
    // The waiting line still moves in order: the next free place goes to the first one left.
    expect(places.free("ses_A", "ses_A_run")?.session.id).toBe("ses_A_w1")
    expect(places.free("ses_A", "ses_A_w1")?.session.id).toBe("ses_A_w3")
  })

  it("drops a held session of that caller, so it no longer counts against the caller's limit", () => {
    const places = setup()
    expect(places.taken("ses_A")).toBe(3)
    expect(places.dropOne("ses_A", "ses_A_h1")).toBe(true)
    expect(places.taken("ses_A")).toBe(2)
    expect(places.waitingFor("ses_A")).toEqual(["ses_A_h2", "ses_A_w1", "ses_A_w2", "ses_A_w3"])
    expect(places.release("ses_A").map((entry) => entry.session.id)).toEqual(["ses_A_h2"])
    expect(places.taken("ses_B")).toBe(1)
  })

  it("empties a caller's lists when their last session is dropped", () => {
    const places = setup()
    expect(places.dropOne("ses_B", "ses_B_w1")).toBe(true)
    expect(places.dropOne("ses_B", "ses_B_h1")).toBe(true)
    expect(places.waitingFor("ses_B")).toEqual([])
    expect(places.taken("ses_B")).toBe(0)
    expect(places.release("ses_B")).toEqual([])
    expect(places.dropAll()).toBe(5)
  })

  it("answers false, and changes nothing, for a session not waiting or held for that caller", () => {
    const places = setup()
    expect(places.dropOne("ses_A", "ses_B_w1")).toBe(false)
    expect(places.dropOne("ses_B", "ses_A_h1")).toBe(false)
    expect(places.dropOne("ses_A", "ses_A_run")).toBe(false)
    expect(places.dropOne("ses_nobody", "ses_A_w1")).toBe(false)
    expect(places.waitingFor("ses_A")).toEqual(["ses_A_h1", "ses_A_h2", "ses_A_w1", "ses_A_w2", "ses_A_w3"])
    expect(places.waitingFor("ses_B")).toEqual(["ses_B_h1", "ses_B_w1"])
    expect(places.isRunning("ses_A_run")).toBe(true)
    expect(places.taken("ses_A")).toBe(3)
  })

  it("answers false for a session already dropped", () => {
    const places = setup()
    expect(places.dropOne("ses_A", "ses_A_w1")).toBe(true)
    expect(places.dropOne("ses_A", "ses_A_w1")).toBe(false)
    expect(places.waitingFor("ses_A")).toEqual(["ses_A_h1", "ses_A_h2", "ses_A_w2", "ses_A_w3"])
  })
})
