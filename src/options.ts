import { tool } from "@opencode-ai/plugin"

const z = tool.schema

export const DEFAULT_MAX_AUTOMATIC_HANDOFFS = 8

/** Options given as `"plugin": [["opencode-sessions", { ... }]]` in opencode.json. */
export const OptionsSchema = z
  .object({
    /** Automatic hand-offs in a row, in one session, without a message from the person. */
    maxAutomaticHandoffs: z.number().int().min(1).max(1000).default(DEFAULT_MAX_AUTOMATIC_HANDOFFS),
    /** Informational toasts (hand-off, spawn, fork, compaction, report). Failures always toast. */
    toasts: z.boolean().default(true),
    /** Default of `report` for `new` and `fork`. */
    report: z.boolean().default(false),
  })
  .strict()

export type Options = ReturnType<typeof OptionsSchema.parse>

export type ReadOptions = { options: Options; problem?: string }

/** Reads the options; a bad one is named, and the defaults are used instead of failing to load. */
export function readOptions(raw: unknown): ReadOptions {
  const parsed = OptionsSchema.safeParse(raw ?? {})
  if (parsed.success) return { options: parsed.data }
  const details = parsed.error.issues
    .map((issue) => `${issue.path.join(".") || "(options)"}: ${issue.message}`)
    .join("; ")
  return {
    options: OptionsSchema.parse({}),
    problem:
      `opencode-sessions: invalid plugin options (${details}). Using the defaults instead. ` +
      `Valid: { maxAutomaticHandoffs: integer 1–1000, toasts: boolean, report: boolean }.`,
  }
}
