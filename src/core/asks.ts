/**
 * What a session asks the person, as OpenCode tells it: a permission ask (1.0: `permission.updated`
 * and `permission.replied` with `permissionID`; 1.1 and later: `permission.asked` and
 * `permission.replied` with `requestID`) or the question tool (1.1 and later: `question.asked`,
 * `question.replied`, `question.rejected`), and its lists of what is pending (`GET /permission`,
 * `GET /question`, 1.1 and later). Parsed, never cast: what does not parse is not an ask.
 */
import type { Ask } from "./life.js"
import { z, type Infer } from "./schema.js"

const session = { sessionID: z.string() }

/** A permission ask: `permission.asked`'s properties, and an item of `GET /permission`. */
export const PermissionAsk = z.object({ ...session, id: z.string(), permission: z.string(), patterns: z.array(z.string()) })
/** A question: `question.asked`'s properties, and an item of `GET /question`. */
export const QuestionAsk = z.object({ ...session, id: z.string(), questions: z.array(z.object({ question: z.string() })) })
/** 1.0's permission ask. */
const OldPermissionAsk = z.object({
  ...session,
  id: z.string(),
  type: z.string(),
  title: z.string().optional(),
  pattern: z.union([z.string(), z.array(z.string())]).optional(),
})

const AskEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("permission.asked"), properties: PermissionAsk }),
  z.object({ type: z.literal("permission.updated"), properties: OldPermissionAsk }),
  z.object({ type: z.literal("question.asked"), properties: QuestionAsk }),
  z.object({
    type: z.enum(["permission.replied", "question.replied", "question.rejected"]),
    properties: z.object({ ...session, requestID: z.string().optional(), permissionID: z.string().optional() }),
  }),
])

const ASK_EVENTS: ReadonlySet<string> = new Set([
  "permission.asked",
  "permission.updated",
  "question.asked",
  "permission.replied",
  "question.replied",
  "question.rejected",
])

export type AskSignal = { sessionID: string; opened: Ask } | { sessionID: string; closed: string }

export function permissionAsk(asked: Infer<typeof PermissionAsk>): Ask {
  return { id: asked.id, kind: "permission", what: `${asked.permission}: ${asked.patterns.join(" ")}`.trim() }
}

export function questionAsk(asked: Infer<typeof QuestionAsk>): Ask {
  return { id: asked.id, kind: "question", what: asked.questions.map((question) => question.question).join(" / ") }
}

/** The ask an OpenCode event opens or closes; undefined for any other event (or one that does not parse). */
export function askOf(event: { type: string; properties?: unknown }): AskSignal | undefined {
  if (!ASK_EVENTS.has(event.type)) return undefined
  const parsed = AskEvent.safeParse(event)
  if (!parsed.success) return undefined
  const { sessionID } = parsed.data.properties
  switch (parsed.data.type) {
    case "permission.asked":
      return { sessionID, opened: permissionAsk(parsed.data.properties) }
    case "question.asked":
      return { sessionID, opened: questionAsk(parsed.data.properties) }
    case "permission.updated": {
      const { id, type, title, pattern } = parsed.data.properties
      return { sessionID, opened: { id, kind: "permission", what: `${type}: ${title ?? [pattern ?? []].flat().join(" ")}` } }
    }
    default: {
      const id = parsed.data.properties.requestID ?? parsed.data.properties.permissionID
      return id ? { sessionID, closed: id } : undefined
    }
  }
}
