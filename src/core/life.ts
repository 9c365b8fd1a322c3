/**
 * The life of a session the tool started, and of each turn it owes its caller (its first, and
 * each one a follow-up began): the states they move through, and the one transition that moves
 * them. Pure: a life and an event in, a life out. An event that changes nothing (OpenCode repeats
 * its signals) returns the very same life, so a caller can tell a duplicate by identity.
 */
import { StopCause, type ReportStyle, type StartMarker } from "./protocol.js"
import { z, type Infer } from "./schema.js"

/** What a turn (or its session) waits for before it begins: a free place, the caller's step, its delivery, or other sessions' answers (`after`). */
export const WaitingFor = z.enum(["place", "step", "delivery", "others"])
export type WaitingFor = Infer<typeof WaitingFor>

/**
 * Something a session asks the person, and waits on: a permission (`what`: the permission and
 * its patterns, "bash: npm test") or a question (`what`: its text). Only the person answers it.
 */
export const Ask = z.object({ id: z.string(), kind: z.enum(["permission", "question"]), what: z.string() })
export type Ask = Infer<typeof Ask>

/** A started session that waits on the person, and what it asks. */
export type Asker = { sessionID: string; title: string; agent: string; asks: readonly Ask[] }

export const State = z.discriminatedUnion("state", [
  /**
   * Not begun: a free place among its caller's (`maxRunning`), the end of the caller's step (an
   * isolated start), its delivery (a follow-up), or the answers of the sessions `on` (`after`).
   */
  z.object({ state: z.literal("waiting"), for: WaitingFor, on: z.array(z.string()).optional() }),
  z.object({ state: z.literal("running") }),
  /** Its turn runs, and waits for the person to answer these (oldest first). */
  z.object({ state: z.literal("asking"), asks: z.array(Ask) }),
  /** Its turn ended with an answer (the text is in OpenCode's store). */
  z.object({ state: z.literal("answered") }),
  z.object({ state: z.literal("failed"), error: z.string() }),
  /** The person interrupted it. */
  z.object({ state: z.literal("interrupted") }),
  /** The plugin stopped it: its caller, the person, or the `maxTokens` limit. */
  z.object({ state: z.literal("stopped"), by: StopCause, limit: z.number().optional(), used: z.number().optional() }),
  /** Its turn was cut half-way with no error (OpenCode stopped meanwhile): it has not finished. */
  z.object({ state: z.literal("cut-off") }),
  /** It never had its turn and will not start by itself (dropped by an interruption, or not resumable). */
  z.object({ state: z.literal("never-started") }),
  z.object({ state: z.literal("deleted") }),
])
export type State = Infer<typeof State>

export type StateName = State["state"]

/** How a running turn can end by itself (cut off: it stopped after its tool calls, with no answer). */
export type Ended = Extract<State, { state: "answered" | "failed" | "interrupted" | "cut-off" }>

/** The turn a follow-up began: whose agent answers it, whether its answer goes back, and the caller's message that sent it. */
export type FollowUpTurn = { id: string; agent: string; report: ReportStyle; call: string }

/** One turn owed to the caller: the first (its key is the session's id) or a follow-up's (`<session>/<follow-up>`). */
export type Turn = { key: string; followUp?: FollowUpTurn; state: State }

export type Life = {
  sessionID: string
  /** How it was started: by whom, with which agent, from which call. */
  marker: StartMarker
  /** The session's own state: its latest turn's, or a turn the person began there. */
  state: State
  /** The turns owed to its caller, in order. */
  turns: readonly Turn[]
}

export type LifeEvent =
  /** Its first turn waits for a free place, for the caller's step to end, or for the sessions `on` to finish. */
  | { type: "wait"; for: "place" | "step" | "others"; on?: readonly string[] }
  /** A turn began: its first (if it waited), or one the person or OpenCode began (which resumes a turn cut off). */
  | { type: "began" }
  /** A follow-up was accepted for it (or is sent again after a restart): a turn owed to the caller, waiting for its delivery. */
  | { type: "followed-up"; key: string; followUp: FollowUpTurn }
  /** A follow-up was stored in the session: its turn is the running one, or begins now. */
  | { type: "delivered"; key: string }
  | { type: "ended"; how: Ended }
  | { type: "stopped"; how: Extract<State, { state: "stopped" }> }
  /** Its running turn asks the person something, and waits. */
  | { type: "asked"; ask: Ask }
  /** The person answered an ask (or it was withdrawn). */
  | { type: "ask-closed"; id: string }
  /** A stop that did not take (OpenCode refused the abort): the life is as it was before it. */
  | { type: "unstopped"; before: Life }
  /** What waited (the first turn, or a follow-up `key`) was dropped before it began: it will not start. */
  | { type: "dropped"; key?: string }
  | { type: "deleted" }

const FINISHED: ReadonlySet<StateName> = new Set(["answered", "failed", "interrupted", "stopped", "never-started", "deleted"])

/**
 * Finished: it has its answer, or will never have one (failed, interrupted, stopped, never
 * started, deleted). A turn cut off by a stop of OpenCode is not: resumed, it still answers.
 */
export function isFinished(state: State): boolean {
  return FINISHED.has(state.state)
}

/** A turn runs: working, or waiting on the person's answer. */
export function isRunning(state: State): boolean {
  return state.state === "running" || state.state === "asking"
}

/** A session the tool just started: its first turn waits to be sent. */
export function firstLife(sessionID: string, marker: StartMarker): Life {
  const waiting: State = { state: "waiting", for: "place" }
  return { sessionID, marker, state: waiting, turns: [{ key: sessionID, state: waiting }] }
}

function withTurns(life: Life, state: State, change: (turn: Turn) => State): Life {
  let changed = state !== life.state
  const turns = life.turns.map((turn) => {
    const next = change(turn)
    if (next === turn.state) return turn
    changed = true
    return { ...turn, state: next }
  })
  return changed ? { ...life, state, turns } : life
}

const waiting = (state: State) => state.state === "waiting"

/** The one transition: what `event` makes of `life`. */
export function next(life: Life, event: LifeEvent): Life {
  const first = life.turns[0]
  switch (event.type) {
    case "wait": {
      if (!first || !waiting(first.state)) return life
      const state: State = event.on ? { state: "waiting", for: event.for, on: [...event.on] } : { state: "waiting", for: event.for }
      return withTurns(life, state, (turn) => (turn === first ? state : turn.state))
    }
    case "began": {
      if (isRunning(life.state)) return life
      const running: State = { state: "running" }
      return withTurns(life, running, (turn) => ((turn === first && waiting(turn.state)) || turn.state.state === "cut-off" ? running : turn.state))
    }
    case "followed-up": {
      const toDeliver: State = { state: "waiting", for: "delivery" }
      const known = life.turns.find((turn) => turn.key === event.key)
      // Read back as never sent (after a restart), and sent again now: it waits for its delivery once more.
      if (known) return known.state.state === "never-started" ? withTurns(life, life.state, (turn) => (turn === known ? toDeliver : turn.state)) : life
      return { ...life, turns: [...life.turns, { key: event.key, followUp: event.followUp, state: toDeliver }] }
    }
    case "delivered": {
      const running: State = { state: "running" }
      const session = isRunning(life.state) ? life.state : running
      return withTurns(life, session, (turn) => (turn.key === event.key && waiting(turn.state) ? running : turn.state))
    }
    case "ended":
      if (!isRunning(life.state)) return life
      return withTurns(life, event.how, (turn) => (isRunning(turn.state) ? event.how : turn.state))
    case "stopped":
      if (!isRunning(life.state) && !life.turns.some((turn) => waiting(turn.state) || isRunning(turn.state))) return life
      return withTurns(life, event.how, (turn) => (waiting(turn.state) || isRunning(turn.state) ? event.how : turn.state))
    case "asked": {
      const asks = life.state.state === "asking" ? life.state.asks : []
      if (!isRunning(life.state) || asks.some((ask) => ask.id === event.ask.id)) return life
      return { ...life, state: { state: "asking", asks: [...asks, event.ask] } }
    }
    case "ask-closed": {
      if (life.state.state !== "asking" || !life.state.asks.some((ask) => ask.id === event.id)) return life
      const asks = life.state.asks.filter((ask) => ask.id !== event.id)
      return { ...life, state: asks.length ? { state: "asking", asks } : { state: "running" } }
    }
    case "unstopped":
      return life.state.state === "stopped" ? event.before : life
    case "dropped": {
      const key = event.key ?? life.sessionID
      const never: State = { state: "never-started" }
      const session = key === life.sessionID && waiting(life.state) ? never : life.state
      return withTurns(life, session, (turn) => (turn.key === key && waiting(turn.state) ? never : turn.state))
    }
    case "deleted": {
      if (life.state.state === "deleted") return life
      const deleted: State = { state: "deleted" }
      return withTurns(life, deleted, (turn) => (isFinished(turn.state) ? turn.state : deleted))
    }
  }
}

/** One answer a caller is owed, or was given, by a session it started: a turn of its life, as reports, waits and status read it. */
export type OwedTurn = {
  /** Which answer (core/protocol.ts reportKey): the session's first turn, or the turn a follow-up began. */
  key: string
  sessionID: string
  /** Set for the turn a follow-up began: the follow-up's id. */
  followUp?: string
  title: string
  /** The session's name in its team (`name` on its start). */
  name?: string
  agent: string
  mode: "new" | "fork"
  report: ReportStyle
  /** The caller's assistant message that made the call (the start's, or the follow-up's). */
  call: string
  state: State
  isolation?: StartMarker["isolation"]
}

/** Whether a started session goes by `nameOrID`: its id, or its name (`name` on its start). */
export const goesBy = (nameOrID: string) => (life: Life) => life.sessionID === nameOrID || life.marker.name === nameOrID

/** The turns a started session owes its caller, each as one answer. */
export function owedTurns(life: Life): OwedTurn[] {
  const { marker } = life
  return life.turns.map((turn) => ({
    key: turn.key,
    sessionID: life.sessionID,
    ...(turn.followUp ? { followUp: turn.followUp.id } : {}),
    title: marker.title,
    ...(marker.name ? { name: marker.name } : {}),
    agent: turn.followUp?.agent ?? marker.agent,
    mode: marker.mode,
    report: turn.followUp?.report ?? marker.report,
    call: turn.followUp?.call ?? marker.call,
    state: turn.state,
    ...(marker.isolation ? { isolation: marker.isolation } : {}),
  }))
}
