/**
 * Lineage read back from what OpenCode stores, so that it survives a restart: the caller's
 * `session` tool calls name the sessions it started; each started session's first message
 * carries a marker (who started it, how, whether a report is due); the reports delivered to
 * the caller carry a marker naming the sessions they cover. Pure: stored messages in, facts out.
 */
import { MARKER } from "./format.js"

/** How a started session's answer goes back: not at all, on its own, or with its turn's others. */
export type ReportStyle = "none" | "each" | "together"

/** What the plugin writes on the first message of a session it starts. */
export type StartMarker = {
  kind: "start"
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

/**
 * Where an isolated session works: a git worktree of the caller's checkout `root`, on `branch`,
 * made from `base` (a commit of what the caller saw at the call). `prefix` is the caller's
 * folder inside the checkout, so the session works in the same folder of its worktree.
 */
export type Isolation = { kind: "worktree"; root: string; prefix: string; directory: string; branch: string; base: string }

/** What the plugin writes on a report it delivers: the sessions whose answers it holds. */
export type ReportMarker = { kind: "report"; fromAgent: string; fromSession: string; sessions: string[] }

/** The least of a stored message that these functions read (OpenCode's message and parts). */
export type StoredPart = {
  type: string
  text?: string
  synthetic?: boolean
  metadata?: Record<string, unknown>
  tool?: string
  state?: { status: string; input?: Record<string, unknown>; output?: string }
}
export type StoredInfo = {
  id: string
  role: string
  parentID?: string
  error?: { name?: string; data?: { message?: unknown } } | null
  time?: { created?: number; completed?: number }
  finish?: string
}
export type Stored = { info: StoredInfo; parts: StoredPart[] }

function markerOf(message: Stored): Record<string, unknown> | undefined {
  for (const part of message.parts) {
    const marker = part.type === "text" ? part.metadata?.[MARKER] : undefined
    if (marker && typeof marker === "object") return marker as Record<string, unknown>
  }
  return undefined
}

const SESSION_ID = /\bsession (ses_[A-Za-z0-9]+)/

/** The sessions the caller started, in call order, named by its completed `new`/`fork` calls. */
export function startedIn(callerMessages: readonly Stored[]): string[] {
  const ids: string[] = []
  for (const message of callerMessages) {
    for (const part of message.parts) {
      if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed") continue
      const mode = part.state.input?.mode
      const id = (mode === "new" || mode === "fork") && SESSION_ID.exec(part.state.output ?? "")?.[1]
      if (id && !ids.includes(id)) ids.push(id)
    }
  }
  return ids
}

/**
 * How a session was started, from the marker on the first message the tool sent it; undefined
 * if not by the tool. A fork holds copies of its caller's messages, markers included, before
 * its own: the last start marker is the session's own.
 */
export function startMarkerOf(messages: readonly Stored[]): StartMarker | undefined {
  let found: StartMarker | undefined
  for (const message of messages) {
    const marker = message.info.role === "user" ? markerOf(message) : undefined
    if (marker?.kind === "start") found = marker as StartMarker
  }
  return found
}

const COLLECTED = /^Finished: \d+ of \d+ \(([^)]*)\)/

/**
 * The started sessions whose answers already reached the caller: by the reports' markers, and
 * by the first lines of its completed waits.
 */
export function reportedIn(callerMessages: readonly Stored[]): Set<string> {
  const reported = new Set<string>()
  for (const message of callerMessages) {
    const marker = message.info.role === "user" ? markerOf(message) : undefined
    if (marker?.kind === "report" && Array.isArray(marker.sessions)) for (const id of marker.sessions) reported.add(String(id))
    for (const part of message.parts) {
      if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed" || part.state.input?.mode !== "wait") continue
      const ids = COLLECTED.exec(part.state.output ?? "")?.[1]
      for (const id of ids ? ids.split(", ") : []) if (id) reported.add(id)
    }
  }
  return reported
}

/** The caller's turn that holds assistant message `call`: the user message it answers. */
export function turnOf(callerMessages: readonly Stored[], call: string): string {
  return callerMessages.find((message) => message.info.id === call)?.info.parentID ?? call
}

export type Outcome =
  | { state: "working" }
  | { state: "waiting" }
  | { state: "idle"; answer: string }
  | { state: "failed"; error: string }
  | { state: "interrupted" }
  /** Its turn stopped half-way with no error (OpenCode stopped meanwhile): not finished. */
  | { state: "stopped" }

/**
 * What became of a started session: its last answer, or why there is none. `running` is what
 * OpenCode's status says; a session with no answer yet and no running turn has not started.
 */
export function outcomeOf(messages: readonly Stored[], running: boolean): Outcome {
  if (running) return { state: "working" }
  const last = [...messages].reverse().find((message) => message.info.role === "assistant")
  if (!last) return { state: "waiting" }
  const error = last.info.error
  if (error?.name === "MessageAbortedError") return { state: "interrupted" }
  if (!error && (!last.info.time?.completed || last.info.finish === "tool-calls")) return { state: "stopped" }
  if (error) return { state: "failed", error: `${error.name ?? "error"}${typeof error.data?.message === "string" ? `: ${error.data.message}` : ""}` }
  const answer = last.parts
    .filter((part) => part.type === "text" && !part.synthetic)
    .map((part) => part.text ?? "")
    .join("\n")
    .trim()
  return { state: "idle", answer }
}

/** A hand-off the caller queued in its own session that has not been delivered yet. */
export type QueuedCall = { mode: "message" | "compact"; agent: string; text: string }

/**
 * The `message`/`compact` hand-offs queued in a session and not yet delivered, as the store
 * shows them: each completed call, less the hand-offs delivered since (in order), less what an
 * interruption dropped. Only while a turn runs: once the session is idle the plugin delivers
 * them at once, so an idle session's undelivered calls are gone (an abort, or a restart).
 */
export function queuedIn(messages: readonly Stored[], running: boolean): QueuedCall[] {
  if (!running) return []
  let queued: QueuedCall[] = []
  for (const message of messages) {
    if (message.info.role === "assistant") {
      if (message.info.error?.name === "MessageAbortedError") queued = []
      for (const part of message.parts) {
        const input = part.state?.input
        const mode = input?.mode
        if (part.type !== "tool" || part.tool !== "session" || part.state?.status !== "completed") continue
        if (mode !== "message" && mode !== "compact") continue
        const agent = typeof input?.agent === "string" && input.agent ? input.agent : ((message.info as { agent?: string }).agent ?? "")
        queued.push({ mode, agent, text: typeof input?.text === "string" ? input.text : "" })
      }
      continue
    }
    const marker = markerOf(message)
    if (marker && (marker.kind === "message" || marker.kind === "compact")) queued.shift()
  }
  return queued
}
