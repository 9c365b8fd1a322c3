import { tool } from "@opencode-ai/plugin"
import { MAX_WAIT_SECONDS } from "../../core/wait.js"
import type { Options } from "../options.js"
import { words } from "./words/index.js"

const z = tool.schema

export const MODES = ["message", "new", "compact", "fork", "status", "wait", "stop", "adopt", "discard"] as const
export type Mode = (typeof MODES)[number]
export type SendingMode = Exclude<Mode, "status" | "wait" | "stop" | "adopt" | "discard">
export const ISOLATIONS = ["none", "worktree"] as const

/** The tool's parameters, each described for the model with the defaults these options give. */
export function sessionArgs(options: Pick<Options, "report" | "reports" | "isolation" | "waitTimeout">) {
  const describe = words.parameters({
    report: options.report ? options.reports : "none",
    isolation: options.isolation,
    waitSeconds: options.waitTimeout,
    maxWaitSeconds: MAX_WAIT_SECONDS,
  })
  return {
    mode: z.enum(MODES).describe(describe.mode),
    text: z.string().optional().describe(describe.text),
    agent: z.string().optional().describe(describe.agent),
    model: z.string().optional().describe(describe.model),
    report: z
      .union([z.boolean(), z.literal("each")])
      .optional()
      .describe(describe.report),
    session: z.string().optional().describe(describe.session),
    timeout: z.number().optional().describe(describe.timeout),
    isolation: z.enum(ISOLATIONS).optional().describe(describe.isolation),
  }
}

/** The arguments as OpenCode passes them: it does not check them against the schema, so each is checked again. */
export type SessionArgs = {
  mode: Mode
  text?: string
  agent?: string
  model?: string
  report?: boolean | "each"
  session?: string
  timeout?: number
  isolation?: string
}
