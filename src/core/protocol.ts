/**
 * The records the plugin keeps in OpenCode's store and reads back, each a zod schema beside its
 * type: what is read is parsed, never cast, and a record that does not parse is skipped (the
 * reader says so in its log). The plugin never reads back the words it wrote for a model
 * (server/words) or a person.
 *
 * - On the first message of a session the tool started: a start marker (who, how, from which call).
 * - On each hand-off, follow-up and report it delivers: a marker naming the call it delivers, or
 *   the answers it holds; in a session it stopped, a marker that says why.
 * - On the caller's own `session` tool call, as the call completes: a call record (a session
 *   started, and whether it waits for a place; a hand-off or follow-up accepted; the answers a wait
 *   returned; the sessions a stop stopped).
 *
 * Round-trip tests hold writers and readers together (protocol.test.ts). Pure: no I/O.
 */
import { z, type Infer } from "./schema.js"

/** The package's name: how OpenCode's configuration lists it, and the key of its metadata. */
export const PACKAGE_NAME = "opencode-sessions"
/** Key of the metadata the plugin puts on what it writes: how it knows its own. */
export const MARKER = PACKAGE_NAME
/** The version of the records written now. */
export const PROTOCOL = 1

/**
 * The command the TUI part announces (as a `tui.command.execute` event) once it has registered
 * in OpenCode's TUI: the server part hears it and knows the TUI part loaded. The TUI part also
 * registers a command of this name that does nothing, since the TUI runs the command it hears.
 */
export const TUI_PART_REGISTERED = `${PACKAGE_NAME}.tui-registered`

/**
 * The command the TUI part publishes (as a `tui.command.execute` event) when the person asks to
 * stop the sessions the session on screen started: `<this>:<session id>:<nonce>`. The server
 * part hears it and stops them; the nonce makes one request act once.
 */
export const STOP_STARTED = `${PACKAGE_NAME}.stop-started`

export function stopStartedCommand(sessionID: string, nonce: string): string {
  return `${STOP_STARTED}:${sessionID}:${nonce}`
}

/** The session whose started sessions the person asked to stop, from such a command. */
export function stopStartedOf(command: string): string | undefined {
  const [name, sessionID, nonce] = command.split(":")
  return name === STOP_STARTED && sessionID?.startsWith("ses") && nonce ? sessionID : undefined
}

export const ModelRef = z.object({ providerID: z.string(), modelID: z.string() })
export type ModelRef = Infer<typeof ModelRef>

/** How a started session's answer goes back: not at all, on its own, or with its turn's others. */
export const ReportStyle = z.enum(["none", "each", "together"])
export type ReportStyle = Infer<typeof ReportStyle>

/**
 * Where an isolated session works: a git worktree of the caller's checkout `root`, on `branch`,
 * made from `base` (a commit of what the caller saw at the call). `prefix` is the caller's
 * folder inside the checkout, so the session works in the same folder of its worktree.
 */
export const Isolation = z.object({
  kind: z.literal("worktree"),
  root: z.string(),
  prefix: z.string(),
  directory: z.string(),
  branch: z.string(),
  base: z.string(),
})
export type Isolation = Infer<typeof Isolation>

const from = { v: z.number().optional(), fromAgent: z.string(), fromSession: z.string() }

/** A started session's name: short, unique among the sessions its caller started (letters, digits, dashes). */
export const SessionName = z.string().regex(/^[A-Za-z0-9-]{1,24}$/)

/** Who a team message goes to, beside a session the sender started: the sender's caller, or a session the same caller started. */
export const TeamRelation = z.enum(["caller", "sibling"])
export type TeamRelation = Infer<typeof TeamRelation>

/** On the first message of a session the tool started. `call`: the caller's assistant message that made the call (calls of one turn report together). */
export const StartMarker = z.object({
  kind: z.literal("start"),
  ...from,
  mode: z.enum(["new", "fork"]),
  agent: z.string(),
  report: ReportStyle,
  call: z.string(),
  title: z.string(),
  /** Set when the session works in a worktree of its own. */
  isolation: Isolation.optional(),
  /** How deep it is: what the person's session started is 1, what that one started 2 (option maxDepth). */
  depth: z.number().int().min(1).optional(),
  name: SessionName.optional(),
  /** The sessions (of the same caller) whose answers it waited for: its first message carries them. */
  after: z.array(z.string()).optional(),
})
export type StartMarker = Infer<typeof StartMarker>

/** On a hand-off the plugin delivered; `callID` names the accepted call it delivers. */
export const HandoffMarker = z.object({ kind: z.enum(["message", "compact"]), ...from, callID: z.string().optional() })
export type HandoffMarker = Infer<typeof HandoffMarker>

/**
 * On a report the plugin delivered: the answers it holds, by report key (see `reportKey`: a
 * started session's id for its first turn, and `<id>/<follow-up id>` for the turn a follow-up began).
 */
export const ReportMarker = z.object({ kind: z.literal("report"), ...from, sessions: z.array(z.string()) })
export type ReportMarker = Infer<typeof ReportMarker>

/**
 * On a follow-up the plugin delivered (`message` with `session`): into a session its caller
 * started, or (`team`) into the sender's caller or a session the same caller started; `report`:
 * whether the answer goes back to the sender.
 */
export const FollowUpMarker = z.object({
  kind: z.literal("follow-up"),
  ...from,
  id: z.string(),
  team: TeamRelation.optional(),
  report: ReportStyle.optional(),
})
export type FollowUpMarker = Infer<typeof FollowUpMarker>

/**
 * Who or what stopped a started session: its caller (mode stop), the person's interrupt of the
 * caller's turn that started it (option `stopWithCaller`), the person (the TUI's command), the
 * `maxTokens` limit on its own tokens, or the `maxTreeTokens` limit on its whole tree's.
 */
export const StopCause = z.enum(["caller", "interrupt", "person", "max-tokens", "max-tree-tokens"])
export type StopCause = Infer<typeof StopCause>

/**
 * Stored in a started session once the plugin has stopped it: why, so that every reader says
 * "stopped", and the session's own history shows it. `dropped`: the follow-ups queued for the
 * session that the stop dropped, so that no restart sends them after all.
 */
export const StopMarker = z.object({
  kind: z.literal("stop"),
  v: z.number().optional(),
  fromSession: z.string(),
  by: StopCause,
  limit: z.number().optional(),
  used: z.number().optional(),
  dropped: z.array(z.string()).optional(),
})
export type StopMarker = Infer<typeof StopMarker>

export const MessageMarker = z.discriminatedUnion("kind", [StartMarker, HandoffMarker, ReportMarker, FollowUpMarker, StopMarker])
export type MessageMarker = Infer<typeof MessageMarker>

/** The key of one answer a caller may be owed: a started session's first turn, or a turn a follow-up began there. */
export function reportKey(sessionID: string, followUp?: string): string {
  return followUp ? `${sessionID}/${followUp}` : sessionID
}

/** The started session a report key belongs to. */
export function sessionOfKey(key: string): string {
  const slash = key.indexOf("/")
  return slash < 0 ? key : key.slice(0, slash)
}

/** On the caller's `session` tool call: what the call did, for the plugin to know again after a restart. */
export const CallRecord = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("started"),
    v: z.number(),
    /** The calling agent. */
    fromAgent: z.string(),
    session: z.string(),
    mode: z.enum(["new", "fork"]),
    agent: z.string(),
    report: ReportStyle,
    model: ModelRef.optional(),
    /** It waited for a free place (`maxRunning`) when the call returned. */
    waiting: z.boolean(),
    /** It was to work in a worktree of its own. */
    isolated: z.boolean(),
    name: SessionName.optional(),
    /** It waits for these sessions (of the same caller) to finish before its first turn. */
    after: z.array(z.string()).optional(),
  }),
  z.object({
    kind: z.literal("handoff"),
    v: z.number(),
    fromAgent: z.string(),
    mode: z.enum(["message", "compact"]),
    agent: z.string(),
    model: ModelRef.optional(),
    summaryModel: ModelRef.optional(),
  }),
  /** The report keys (see `reportKey`) whose answers a wait returned. */
  z.object({ kind: z.literal("collected"), v: z.number(), sessions: z.array(z.string()) }),
  /**
   * A follow-up sent to a session the caller started, or (`team`) a message to the caller's own
   * caller or to a session the same caller started; `id` is on the delivered message's marker too.
   */
  z.object({
    kind: z.literal("follow-up"),
    v: z.number(),
    fromAgent: z.string(),
    session: z.string(),
    agent: z.string(),
    report: ReportStyle,
    id: z.string(),
    model: ModelRef.optional(),
    team: TeamRelation.optional(),
  }),
  /** Sessions the caller stopped (mode stop), waiting ones included: those never start. */
  z.object({ kind: z.literal("stopped"), v: z.number(), sessions: z.array(z.string()) }),
])
export type CallRecord = Infer<typeof CallRecord>

// Writers: what goes into the `metadata` of a part the plugin sends or completes.

export function markerMetadata(marker: MessageMarker): Record<string, unknown> {
  return { [MARKER]: { ...marker, v: PROTOCOL } }
}

export function callMetadata(record: CallRecord): Record<string, unknown> {
  return { [MARKER]: record }
}
