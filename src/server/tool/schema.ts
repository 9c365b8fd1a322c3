import { tool } from "@opencode-ai/plugin"

const z = tool.schema

export const MODES = ["message", "new", "compact", "fork", "status", "wait", "adopt", "discard"] as const
export type Mode = (typeof MODES)[number]
export type SendingMode = Exclude<Mode, "status" | "wait" | "adopt" | "discard">

// Every `describe` text is sent with every model request: keep them few and short.
export const sessionArgs = {
  mode: z.enum(MODES),
  text: z.string().optional(),
  agent: z.string().optional().describe("default: you"),
  model: z.string().optional(),
  report: z.union([z.boolean(), z.literal("each")]).optional(),
  session: z.string().optional(),
  timeout: z.number().optional(),
  isolation: z.string().optional(),
}

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
