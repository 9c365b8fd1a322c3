/**
 * The records the plugin keeps in OpenCode's store and reads back, and what its two faces (the
 * server part and the TUI part) say to each other through OpenCode. Structured and versioned:
 * the plugin never reads back the words it wrote for a model (server/tool/words.ts) or a person.
 *
 * - On the first message of a session the tool started: a start marker (who, how, from which call).
 * - On each hand-off and report it delivers: a marker naming the call it delivers, or the sessions
 *   whose answers it holds.
 * - On the caller's own `session` tool call, as the call completes: a call record (a session
 *   started, and whether it waits for a place; a hand-off accepted; the answers a wait returned).
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

/** On a report the plugin delivered: the sessions whose answers it holds. */
export type ReportMarker = { kind: "report"; v?: number; fromAgent: string; fromSession: string; sessions: string[] }

export type MessageMarker = StartMarker | HandoffMarker | ReportMarker

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
  | { kind: "collected"; v: number; sessions: string[] }

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

const MARKER_KINDS = new Set(["start", "message", "compact", "report"])

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

const CALL_KINDS = new Set(["started", "handoff", "collected"])

/** The record on a completed `session` tool call; undefined for other parts and for calls 0.1.0 made. */
export function callRecordOf(part: StoredPart): CallRecord | undefined {
  if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed") return undefined
  const record = part.state.metadata?.[MARKER]
  return isObject(record) && typeof record.v === "number" && CALL_KINDS.has(String(record.kind)) ? (record as CallRecord) : undefined
}
