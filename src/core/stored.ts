/**
 * A message as OpenCode stores it, as much of it as the readers look at, parsed: the plugin's own
 * records on it (core/protocol.ts) come typed, and one that does not parse is left out and named,
 * for the reader to log. Pure.
 */
import { CallRecord, MARKER, MessageMarker } from "./protocol.js"
import { z, type Infer } from "./schema.js"

/**
 * Only the plugin's own key is read from a part's metadata (its record, parsed on its own below).
 * Not a record of every key: the TUI's state holds parts as Solid proxies, whose keys include symbols.
 */
const Metadata = z.object({ [MARKER]: z.unknown() }).partial()
/** A tool call's input: whatever the model passed, by name. */
const Input = z.looseObject({})

const StoredInfo = z.object({
  id: z.string(),
  role: z.string(),
  parentID: z.string().optional(),
  agent: z.string().optional(),
  mode: z.string().optional(),
  error: z
    .object({ name: z.string().optional(), data: z.object({ message: z.unknown() }).partial().optional() })
    .nullish()
    .catch(undefined),
  time: z.object({ created: z.number(), completed: z.number() }).partial().optional().catch(undefined),
  finish: z.string().optional().catch(undefined),
  /** What the model reported for this answer, as OpenCode stored it. */
  tokens: z.object({ input: z.number(), output: z.number(), reasoning: z.number() }).partial().optional().catch(undefined),
  cost: z.number().optional().catch(undefined),
  /** True on a compaction's summary (a user message's `summary` is an object, not this). */
  summary: z.unknown().optional(),
  providerID: z.string().optional().catch(undefined),
  modelID: z.string().optional().catch(undefined),
})
export type StoredInfo = Infer<typeof StoredInfo>

const RawPart = z.object({
  type: z.string(),
  text: z.string().optional().catch(undefined),
  synthetic: z.boolean().optional().catch(undefined),
  metadata: Metadata.optional(),
  tool: z.string().optional().catch(undefined),
  callID: z.string().optional().catch(undefined),
  state: z
    .object({
      status: z.string(),
      input: Input.optional().catch(undefined),
      output: z.string().optional().catch(undefined),
      metadata: Metadata.optional(),
    })
    .optional(),
})

const RawMessage = z.object({ info: StoredInfo, parts: z.array(RawPart) })

/** One part, with the plugin's marker (text parts) or call record (its completed tool calls) typed. */
export type StoredPart = {
  type: string
  text?: string
  synthetic?: boolean
  tool?: string
  callID?: string
  state?: { status: string; input?: Record<string, unknown>; output?: string }
  marker?: MessageMarker
  record?: CallRecord
}
export type Stored = { info: StoredInfo; parts: StoredPart[] }

/** What reading one message found: the message (undefined if it is not one), and the records of ours it left out, each said why. */
export type ReadMessage = { message?: Stored; skipped: string[] }

function issues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "(record)"}: ${issue.message}`).join("; ")
}

/** The plugin's marker in a part's metadata, parsed; `skipped` hears of one that does not parse. */
export function markerIn(metadata: { [MARKER]?: unknown } | undefined, skipped?: (why: string) => void): MessageMarker | undefined {
  const raw = metadata?.[MARKER]
  if (raw === undefined) return undefined
  const parsed = MessageMarker.safeParse(raw)
  if (!parsed.success) skipped?.(`a marker that does not parse (${issues(parsed.error)})`)
  return parsed.data
}

/** Parses one message as OpenCode's client gives it. */
export function readStored(raw: unknown): ReadMessage {
  const parsed = RawMessage.safeParse(raw)
  if (!parsed.success) return { skipped: [`a message that does not parse (${issues(parsed.error)})`] }
  const { info, parts } = parsed.data
  const skipped: string[] = []
  const say = (why: string) => skipped.push(`message ${info.id}: ${why}`)
  const read = parts.map((part): StoredPart => {
    const { metadata, state, ...rest } = part
    const readPart: StoredPart = { ...rest, ...(state ? { state: { status: state.status, input: state.input, output: state.output } } : {}) }
    if (part.type === "text") {
      const marker = markerIn(metadata, say)
      if (marker) readPart.marker = marker
    }
    const raw = part.type === "tool" && part.tool === "session" && state?.status === "completed" ? state.metadata?.[MARKER] : undefined
    if (raw !== undefined) {
      const record = CallRecord.safeParse(raw)
      if (record.success) readPart.record = record.data
      else say(`a call record on ${part.callID ?? "a call"} that does not parse (${issues(record.error)})`)
    }
    return readPart
  })
  return { message: { info, parts: read }, skipped }
}

/** Parses a session's messages; `skipped` hears of each record left out. */
export function readMessages(raw: readonly unknown[], skipped: (why: string) => void): Stored[] {
  const messages: Stored[] = []
  for (const item of raw) {
    const read = readStored(item)
    for (const why of read.skipped) skipped(why)
    if (read.message) messages.push(read.message)
  }
  return messages
}

/** The plugin's marker on a message it sent (a hand-off, a report, a started session's first message). */
export function messageMarker(message: Stored): MessageMarker | undefined {
  return message.parts.find((part) => part.marker)?.marker
}

export function isPluginMessage(parts: readonly StoredPart[]): boolean {
  return parts.some((part) => part.marker !== undefined)
}
