import { words } from "./tool/words.js"

/**
 * Refusals the `session` tool throws. OpenCode shows a thrown error as a failed tool call with
 * this message, so the model cannot mistake a refusal for success. Each message says what was
 * wrong and what would be valid.
 */
export class SessionToolError extends Error {
  override name = "SessionToolError"
}

export class InvalidAgentError extends SessionToolError {
  override name = "InvalidAgentError"
  constructor(agent: string, why: string, valid: string[]) {
    super(words.refusal.invalidAgent(agent, why, valid))
  }
}

export class InvalidModelError extends SessionToolError {
  override name = "InvalidModelError"
  constructor(model: string, why: string, examples: string[]) {
    super(words.refusal.invalidModel(model, why, examples))
  }
}

export class EmptyTextError extends SessionToolError {
  override name = "EmptyTextError"
  constructor(mode: string) {
    super(words.refusal.emptyText(mode))
  }
}

export class LoopGuardError extends SessionToolError {
  override name = "LoopGuardError"
  constructor(limit: number) {
    super(words.refusal.loopGuard(limit))
  }
}

/** A call to the OpenCode server failed. */
export class OpencodeCallError extends Error {
  override name = "OpencodeCallError"
  constructor(
    what: string,
    detail: unknown,
    /** The HTTP status OpenCode answered with, when there was an answer. */
    readonly status?: number,
  ) {
    super(`${what} failed: ${describeError(detail)}`)
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === "string") return error
  if (error && typeof error === "object") {
    const data = (error as { data?: { message?: unknown } }).data
    if (data && typeof data.message === "string") return data.message
    const message = (error as { message?: unknown }).message
    if (typeof message === "string") return message
    return JSON.stringify(error)
  }
  return String(error)
}
