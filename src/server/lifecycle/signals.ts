/**
 * The plugin's own signals: each a name and the schema of what it carries (core/bus.ts).
 * OpenCode's hooks and events become these once (./opencode-events.ts), deduplicated; the
 * lifecycle (./lifecycle.ts) publishes what a session's turns and lives do; services.ts connects
 * every part that acts on them.
 */
import { signal } from "../../core/bus.js"
import { Ask, State } from "../../core/life.js"
import { z } from "../../core/schema.js"

const session = { sessionID: z.string() }

/** A turn began in a session (any session: a caller's, a started one's). Once per turn. */
export const TurnBegan = signal("turn.began", z.object(session))

/** The turn running in a session ended (its idle; for a session whose events do not reach here, its prompt answered). Once per turn. */
export const TurnEnded = signal("turn.ended", z.object(session))

/**
 * The turn running in a started session gave its answer: its last step finished, not for a tool
 * call. Its idle (TurnEnded) follows, unless something joins the turn (a hand-off, a follow-up).
 */
export const AnswerGiven = signal("answer.given", z.object(session))

/** A step of a turn is about to send its model request. */
export const StepBegan = signal("step.began", z.object(session))

/**
 * The person interrupted the turn running in a session (OpenCode's abort). `turn`: the user
 * message that turn answers, when the signal said. Once per turn.
 */
export const TurnInterrupted = signal("turn.interrupted", z.object({ ...session, turn: z.string().optional() }))

/** The turn running in a session failed (not an interruption). */
export const TurnFailed = signal("turn.failed", z.object({ ...session, error: z.string() }))

/** A session stored a new user message: the person's, or one the plugin sent (with its marker). */
export const MessageAccepted = signal("message.accepted", z.object({ ...session, from: z.enum(["person", "plugin"]) }))

/** A session was deleted. `callerID`: the session that started it, when the tool did. */
export const SessionDeleted = signal("session.deleted", z.object({ ...session, callerID: z.string().optional() }))

/**
 * A started session's life changed (core/life.ts): `keys` names the turns owed to its caller
 * whose state changed (none when only the session's own state did), `state` is the session's.
 */
export const LifeChanged = signal("life.changed", z.object({ ...session, callerID: z.string(), keys: z.array(z.string()), state: State }))

/** A started session asks the person something (a permission, a question), and waits for their answer. */
export const Asked = signal("asked", z.object({ ...session, callerID: z.string(), ask: Ask }))

/** Something was queued for a session (a report, a follow-up, a hand-off put back): it is delivered once the session is idle. */
export const WorkQueued = signal("work.queued", z.object(session))

/** A TUI in this process announced the plugin's TUI part: it loaded. */
export const TuiPartAnnounced = signal("tui-part.announced", z.object({}))

/** The person asked, from the TUI, to stop what a session started. */
export const StopAsked = signal("stop.asked", z.object({ callerID: z.string() }))
