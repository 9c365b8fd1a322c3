/**
 * Refusals the `session` tool throws. OpenCode shows a thrown error as a failed tool call with
 * this message, so the model cannot mistake a refusal for success. Each message says what was
 * wrong and what would be valid.
 */
export class SessionToolError extends Error {
  override name = "SessionToolError"
}

/** The named refusals; their words come from tool/words (refusals.ts), where every refusal is worded. */
export class InvalidAgentError extends SessionToolError {
  override name = "InvalidAgentError"
}

export class InvalidModelError extends SessionToolError {
  override name = "InvalidModelError"
}

export class EmptyTextError extends SessionToolError {
  override name = "EmptyTextError"
}

export class LoopGuardError extends SessionToolError {
  override name = "LoopGuardError"
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
