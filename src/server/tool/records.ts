import { BoundedMap } from "../../core/bounded.js"
import { callMetadata, type CallRecord } from "../../core/protocol.js"

/** Records kept for calls whose after hook has not run yet; a host that never runs it cannot make this grow. */
const KEPT = 1_000

/**
 * The record each `session` call leaves on its own tool part (core/protocol.ts), so that what it
 * did is known again after a restart without reading its words. A tool's result is only text,
 * but OpenCode keeps a tool part's metadata as the `tool.execute.after` hook leaves it (on every
 * release from 1.0): the call keeps its record here, by its call id, and that hook puts it on.
 */
export class CallRecords {
  private readonly kept = new BoundedMap<string, CallRecord>(KEPT)
  private readonly idOfArgs = new WeakMap<object, string>()

  /** `tool.execute.before`: the call's id, for a release whose tool context does not carry it. */
  before(tool: string, callID: string, args: unknown): void {
    if (tool === "session" && typeof args === "object" && args !== null) this.idOfArgs.set(args, callID)
  }

  /** The id of the call running with this context and these arguments. */
  callIDOf(context: object, args: object): string | undefined {
    const fromContext: unknown = Reflect.get(context, "callID")
    return typeof fromContext === "string" && fromContext ? fromContext : this.idOfArgs.get(args)
  }

  /** What the call did, to be put on its part as it completes. */
  keep(callID: string, record: CallRecord): void {
    this.kept.set(callID, record)
  }

  /** `tool.execute.after`: the call's record onto its part's metadata, beside what OpenCode put there. */
  after(tool: string, callID: string, output: { metadata?: unknown }): void {
    const record = tool === "session" ? this.kept.get(callID) : undefined
    if (!record) return
    this.kept.delete(callID)
    const metadata = typeof output.metadata === "object" && output.metadata !== null ? output.metadata : {}
    output.metadata = { ...metadata, ...callMetadata(record) }
  }
}
