/**
 * The records the plugin keeps in OpenCode's store and reads back, and what its two faces (the
 * server part and the TUI part) say to each other through OpenCode. Structured and versioned:
 * the plugin never reads back the words it wrote for a model (server/tool/words.ts) or a person.
 *
 * - On the first message of a session the tool started: a start marker (who, how, from which call).
 * - On each hand-off, follow-up and report it delivers: a marker naming the call it delivers, or
 *   the answers it holds; in a session it stopped, a marker that says why.
 * - On the caller's own `session` tool call, as the call completes: a call record (a session
 *   started, and whether it waits for a place; a hand-off or follow-up accepted; the answers a wait
 *   returned; the sessions a stop stopped).
 *
 * Writers and readers sit side by side here, and round-trip tests hold them together
 * (protocol.test.ts). Pure: no I/O.
 */

/** The package's name: how OpenCode's configuration lists it, and the key of its metadata. */
export const PACKAGE_NAME = "opencode-sessions"
/** Key of the metadata the plugin puts on what it writes: how it knows its own. */
export const MARKER = PACKAGE_NAME
/** The version of the records written now; records without one were written by 0.1.0. */
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

export type ModelRef = { providerID: string; modelID: string }

/** How a started session's answer goes back: not at all, on its own, or with its turn's others. */
export type ReportStyle = "none" | "each" | "together"

/**
 * Where an isolated session works: a git worktree of the caller's checkout `root`, on `branch`,
 * made from `base` (a commit of what the caller saw at the call). `prefix` is the caller's
 * folder inside the checkout, so the session works in the same folder of its worktree.
 */
export type Isolation = { kind: "worktree"; root: string; prefix: string; directory: string; branch: string; base: string }

/** On the first message of a session the tool started. */
export type StartMarker = {
  kind: "start"
  v?: number
  fromAgent: string
  fromSession: string
  mode: "new" | "fork"
  agent: string
  report: ReportStyle
  /** The caller's assistant message that made the call: calls of one turn report together. */
  call: string
  title: string
  /** Set when the session works in a worktree of its own. */
  isolation?: Isolation
}

/** On a hand-off the plugin delivered; `callID` names the accepted call it delivers (0.1.0 wrote none). */
export type HandoffMarker = { kind: "message" | "compact"; v?: number; fromAgent: string; fromSession: string; callID?: string }

/**
 * On a report the plugin delivered: the answers it holds, by report key (see `reportKey`: a
 * started session's id for its first turn, as 0.1.0 wrote them, and `<id>/<follow-up id>` for
 * the turn a follow-up began).
 */
export type ReportMarker = { kind: "report"; v?: number; fromAgent: string; fromSession: string; sessions: string[] }

/** On a follow-up the plugin delivered into a session its caller started (`message` with `session`). */
export type FollowUpMarker = { kind: "follow-up"; v?: number; fromAgent: string; fromSession: string; id: string }

/** Who or what stopped a started session. */
export type StopCause =
  /** Its caller, with mode stop. */
  | "caller"
  /** The person interrupted the caller's turn that started it (option `stopWithCaller`). */
  | "interrupt"
  /** The person, with the TUI's command. */
  | "person"
  /** It used more tokens than the `maxTokens` option allows. */
  | "max-tokens"

/** Stored in a started session once the plugin has stopped it: why, so that every reader says "stopped", and the session's own history shows it. */
/** `dropped`: the follow-ups queued for the session that the stop dropped, so that no restart sends them after all. */
export type StopMarker = { kind: "stop"; v?: number; fromSession: string; by: StopCause; limit?: number; used?: number; dropped?: string[] }

export type MessageMarker = StartMarker | HandoffMarker | ReportMarker | FollowUpMarker | StopMarker

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
export type CallRecord =
  | {
      kind: "started"
      v: number
      /** The calling agent. */
      fromAgent: string
      session: string
      mode: "new" | "fork"
      agent: string
      report: ReportStyle
      model?: ModelRef
      /** It waited for a free place (`maxRunning`) when the call returned. */
      waiting: boolean
      /** It was to work in a worktree of its own. */
      isolated: boolean
    }
  | { kind: "handoff"; v: number; fromAgent: string; mode: "message" | "compact"; agent: string; model?: ModelRef; summaryModel?: ModelRef }
  /** The report keys (see `reportKey`) whose answers a wait returned. */
  | { kind: "collected"; v: number; sessions: string[] }
  /** A follow-up sent to a session the caller started; `id` is on the delivered message's marker too. */
  | { kind: "follow-up"; v: number; fromAgent: string; session: string; agent: string; report: ReportStyle; id: string; model?: ModelRef }
  /** Sessions the caller stopped (mode stop), waiting ones included: those never start. */
  | { kind: "stopped"; v: number; sessions: string[] }

/** The least of a stored message that the readers look at (OpenCode's message and parts). */
export type StoredPart = {
  type: string
  text?: string
  synthetic?: boolean
  metadata?: Record<string, unknown>
  tool?: string
  callID?: string
  state?: { status: string; input?: Record<string, unknown>; output?: string; metadata?: Record<string, unknown> }
}
export type StoredInfo = {
  id: string
  role: string
  parentID?: string
  agent?: string
  mode?: string
  error?: { name?: string; data?: { message?: unknown } } | null
  time?: { created?: number; completed?: number }
  finish?: string
  /** What the model reported for this answer, as OpenCode stored it. */
  tokens?: { input?: number; output?: number; reasoning?: number }
  cost?: number
}
export type Stored = { info: StoredInfo; parts: StoredPart[] }

// Writers: what goes into the `metadata` of a part the plugin sends or completes.

export function markerMetadata(marker: MessageMarker): Record<string, unknown> {
  return { [MARKER]: { ...marker, v: PROTOCOL } }
}

export function callMetadata(record: CallRecord): Record<string, unknown> {
  return { [MARKER]: record }
}

// Readers.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

const MARKER_KINDS = new Set(["start", "message", "compact", "report", "follow-up", "stop"])

/** The plugin's marker on a message it sent (a hand-off, a report, a started session's first message). */
export function messageMarker(message: Stored): MessageMarker | undefined {
  for (const part of message.parts) {
    const marker = part.type === "text" ? part.metadata?.[MARKER] : undefined
    if (isObject(marker) && MARKER_KINDS.has(String(marker.kind))) return marker as MessageMarker
  }
  return undefined
}

export function isPluginMessage(parts: readonly StoredPart[]): boolean {
  return parts.some((part) => part.type === "text" && part.metadata?.[MARKER] !== undefined)
}

const CALL_KINDS = new Set(["started", "handoff", "collected", "follow-up", "stopped"])

/** The record on a completed `session` tool call; undefined for other parts and for calls 0.1.0 made. */
export function callRecordOf(part: StoredPart): CallRecord | undefined {
  if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed") return undefined
  const record = part.state.metadata?.[MARKER]
  return isObject(record) && typeof record.v === "number" && CALL_KINDS.has(String(record.kind)) ? (record as CallRecord) : undefined
}
