import { tool } from "@opencode-ai/plugin"
import type { z as Zod } from "zod"

/** Zod, as OpenCode's plugin package provides it: the records the plugin keeps are parsed with it, never cast. */
export const z = tool.schema

/** The type a schema parses to. */
export type Infer<Schema extends Zod.ZodType> = Zod.infer<Schema>
