import type { ModelRef, ReportStyle, TeamRelation } from "./protocol.js"

export type { ModelRef } from "./protocol.js"

/** Who handed over: shown to the target agent so it knows the message is not the person's. In a report, `key` says which of its answers (core/protocol.ts reportKey). */
export type Sender = { agent: string; sessionID: string; title?: string; key?: string; name?: string }

/** A hand-off waiting in a session until that session's current turn has ended. */
export type Handoff = {
  id: number
  kind: "message" | "compact" | "report" | "follow-up"
  /** The session that receives the hand-off (for a follow-up: the started session it goes to). */
  sessionID: string
  agent: string
  text: string
  from: Sender
  model?: ModelRef
  /** For `compact`: the model that writes the summary (the caller's). */
  summaryModel?: ModelRef
  /** For `report`: the started sessions whose answers it holds (one, or a whole turn's). */
  covers?: Sender[]
  /** For `message` and `compact`: the caller's assistant message that made the call. */
  call?: string
  /** For `message` and `compact`: the tool call that accepted it (its record names it; so does the marker of its delivery). */
  callID?: string
  /** For `compact`: the session was compacted already (in the turn it joined); only the message is left. */
  summarized?: boolean
  /** For `follow-up`: its id (in its call's record and its delivered message's marker), whether its answer goes back, and (a team message) who it goes to. */
  followUp?: { id: string; report: ReportStyle; team?: TeamRelation }
  /** For `report`: the answer to a team message the receiving session sent (the reply), not a started session's. */
  reply?: boolean
}

export type HandoffRequest = Omit<Handoff, "id">

/** A checked call of the tool: the target agent exists, text is present, permission given. */
export type Call = {
  sessionID: string
  /** The caller's assistant message that holds this tool call. */
  messageID: string
  callerAgent: string
  agent: string
  text: string
  model?: ModelRef
  callerModel?: ModelRef
  report: ReportStyle
  /** `new`/`fork` only: the started session works in a worktree of this checkout of the caller's. */
  isolation?: Checkout
  /** The tool call's id: its record, and the marker of what it hands over, name it. */
  callID?: string
  /** `new`/`fork` only: how deep the started session is (the person's session is 0). */
  depth?: number
  /** `new`/`fork` only: the started session's name (unique among the caller's). */
  name?: string
  /** `new`/`fork` only: the sessions (ids, started by the same caller) whose answers its first turn waits for. */
  after?: string[]
  /** When the call reached the tool (performance.now()): keeps the starts of one step, made at once, in call order. */
  arrival?: number
}

/** A git checkout's top folder, and the caller's folder inside it ("" at the top, else ending in "/"). */
export type Checkout = { root: string; prefix: string }

/** One file an isolated session changed, with its line counts. */
export type FileChange = { path: string; additions: number; deletions: number }

/** Where an isolated session's work stands, for status, reports and waits. */
export type WorktreeState =
  | { kind: "changed"; directory: string; branch: string; files: readonly FileChange[] }
  | { kind: "unreadable"; directory: string; branch: string; error: string }
  | { kind: "adopted" }
  | { kind: "discarded"; ref: string }
  | { kind: "removed-unchanged" }

/** How a started session's first turn stands when the tool returns. */
export type Launched =
  | { kind: "started" }
  | { kind: "waiting"; running: number }
  | { kind: "isolated"; directory: string; branch: string }
  /** It waits for these sessions' answers (`after`) before its first turn: each as core/format.ts sessionLabel names it. */
  | { kind: "after"; on: readonly string[] }
