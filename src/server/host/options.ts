import { tool } from "@opencode-ai/plugin"
import { DEFAULT_WAIT_SECONDS, MAX_WAIT_SECONDS } from "../../core/wait.js"

const z = tool.schema

export const DEFAULT_MAX_AUTOMATIC_HANDOFFS = 8
export const DEFAULT_MAX_RUNNING = 4
export const DEFAULT_MAX_DEPTH = 2

/** Options given as `"plugin": [["opencode-sessions", { ... }]]` in opencode.json. */
export const OptionsSchema = z
  .object({
    /** Automatic hand-offs in a row, in one session, without a message from the person. */
    maxAutomaticHandoffs: z.number().int().min(1).max(1000).default(DEFAULT_MAX_AUTOMATIC_HANDOFFS),
    /** Informational toasts (hand-off, spawn, fork, compaction, report). Failures always toast. */
    toasts: z.boolean().default(true),
    /** Default of `report` for `new` and `fork`. */
    report: z.boolean().default(false),
    /** How reports of one turn come back: together in one message, or each on its own. */
    reports: z.enum(["together", "each"]).default("together"),
    /** Sessions one caller's `new`/`fork` may run at once; further ones wait their turn. */
    maxRunning: z.number().int().min(1).max(64).default(DEFAULT_MAX_RUNNING),
    /** Default `isolation` for `new` and `fork`: "worktree" gives each its own git worktree. */
    isolation: z.enum(["none", "worktree"]).default("none"),
    /** How long `wait` waits, in seconds, when the call does not say. */
    waitTimeout: z.number().int().min(1).max(MAX_WAIT_SECONDS).default(DEFAULT_WAIT_SECONDS),
    /** The person's interrupt of a turn also stops the sessions that turn started. */
    stopWithCaller: z.boolean().default(true),
    /** Tokens (input + output) a started session may use; past them it is stopped at its next step. 0: no limit. */
    maxTokens: z.number().int().min(0).default(0),
    /** How deep sessions may start sessions: the person's session is 0, what it starts 1, and so on; a start deeper than this is refused. */
    maxDepth: z.number().int().min(1).max(16).default(DEFAULT_MAX_DEPTH),
    /** Tokens everything started under the person's session may use together; past them each stops at its next step. 0: no limit. */
    maxTreeTokens: z.number().int().min(0).default(0),
  })
  .strict()

export type Options = ReturnType<typeof OptionsSchema.parse>

export type ReadOptions = { options: Options; problem?: string }

/**
 * Reads the options. A bad one is named, and its default used instead; the valid ones are
 * kept. The plugin loads either way: failing to load would be silent in OpenCode.
 */
export function readOptions(raw: unknown): ReadOptions {
  const defaults = OptionsSchema.parse({})
  if (raw === undefined || raw === null) return { options: defaults }
  if (typeof raw !== "object" || Array.isArray(raw)) return { options: defaults, problem: explain(["(options): expected an object"]) }
  const parsed = OptionsSchema.safeParse(raw)
  if (parsed.success) return { options: parsed.data }
  const problems: string[] = []
  const bad = new Set<string>()
  for (const issue of parsed.error.issues) {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [String(issue.path[0])]
    for (const key of keys) bad.add(key)
    problems.push(issue.code === "unrecognized_keys" ? keys.map((key) => `"${key}": not an option`).join("; ") : `${keys[0]}: ${issue.message}`)
  }
  // What remains parses: the keys that did not are left out, so their defaults apply.
  return { options: OptionsSchema.parse(Object.fromEntries(Object.entries(raw).filter(([key]) => !bad.has(key)))), problem: explain(problems) }
}

function explain(problems: string[]): string {
  return (
    `opencode-sessions: invalid plugin options (${problems.join("; ")}). Using the defaults for those instead. ` +
    `Valid: { maxAutomaticHandoffs: integer 1–1000, toasts: boolean, report: boolean, reports: "together" | "each", maxRunning: integer 1–64, isolation: "none" | "worktree", waitTimeout: seconds 1–${MAX_WAIT_SECONDS}, stopWithCaller: boolean, maxTokens: integer ≥ 0 (0: no limit), maxDepth: integer 1–16, maxTreeTokens: integer ≥ 0 (0: no limit) }.`
  )
}
