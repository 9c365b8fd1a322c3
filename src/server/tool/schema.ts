import { z, type Infer } from "../../core/schema.js"
import { MAX_WAIT_SECONDS } from "../../core/wait.js"
import { SessionToolError } from "../host/errors.js"
import type { Options } from "../host/options.js"
import { asWritten, words, type Wording } from "../words/index.js"

export const MODES = ["message", "new", "compact", "fork", "status", "wait", "stop", "adopt", "discard"] as const
export type Mode = (typeof MODES)[number]
export type SendingMode = Exclude<Mode, "status" | "wait" | "stop" | "adopt" | "discard">
export const ISOLATIONS = ["none", "worktree"] as const

/** The tool's parameters, each described for the model with the defaults these options give. */
export function sessionArgs(options: Pick<Options, "report" | "reports" | "isolation" | "waitTimeout">, wording: Wording = asWritten) {
  const said = words.parameters({
    report: options.report ? options.reports : "none",
    isolation: options.isolation,
    waitSeconds: options.waitTimeout,
    maxWaitSeconds: MAX_WAIT_SECONDS,
  })
  const describe = (field: keyof typeof said) => wording(said[field])
  return {
    mode: z.enum(MODES).describe(describe("mode")),
    text: z.string().optional().describe(describe("text")),
    agent: z.string().optional().describe(describe("agent")),
    model: z.string().optional().describe(describe("model")),
    report: z
      .union([z.boolean(), z.literal("each")])
      .optional()
      .describe(describe("report")),
    session: z.string().optional().describe(describe("session")),
    timeout: z.number().optional().describe(describe("timeout")),
    isolation: z.enum(ISOLATIONS).optional().describe(describe("isolation")),
    name: z.string().optional().describe(describe("name")),
    after: z.array(z.string()).optional().describe(describe("after")),
  }
}

/** The arguments, as the tool's schema parses them. */
export type SessionArgs = Infer<ReturnType<typeof argsObject>>

function argsObject(options: Parameters<typeof sessionArgs>[0]) {
  return z.object(sessionArgs(options))
}

/**
 * A model often fills an optional choice with "" or pads it: read as left out, or as the choice it
 * names. And it often gives one session of `after` as a string: read as a list of one.
 */
function lenient(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw
  const isolation = "isolation" in raw && typeof raw.isolation === "string" ? { isolation: raw.isolation.trim() || undefined } : {}
  const after = "after" in raw && typeof raw.after === "string" ? { after: [raw.after] } : {}
  return { ...raw, ...isolation, ...after }
}

const STRING_FIELDS = new Set(["text", "agent", "model", "session", "name"])

/**
 * The call's arguments parsed with the tool's own schema: OpenCode does not check them before
 * calling. A bad one is refused naming the argument, what it got, and what is valid.
 */
export function parseArgs(raw: unknown, options: Parameters<typeof sessionArgs>[0]): SessionArgs {
  const parsed = argsObject(options).safeParse(lenient(raw))
  if (parsed.success) return parsed.data
  const field = String(parsed.error.issues[0]?.path[0] ?? "")
  const got: unknown = typeof raw === "object" && raw !== null && field in raw ? Reflect.get(raw, field) : undefined
  if (field === "mode") throw new SessionToolError(words.refusal.unknownMode(got, MODES))
  if (field === "report") throw new SessionToolError(words.refusal.unknownReport(got))
  if (field === "isolation") throw new SessionToolError(words.refusal.unknownIsolation(got))
  if (field === "timeout") throw new SessionToolError(words.refusal.waitTimeout(got, MAX_WAIT_SECONDS))
  if (field === "after") throw new SessionToolError(words.refusal.badAfter(got))
  if (STRING_FIELDS.has(field)) throw new SessionToolError(words.refusal.notText(field, got))
  throw new SessionToolError(
    words.refusal.badArguments(parsed.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(arguments)"}: ${issue.message}`)),
  )
}
