import type { ToolContext } from "@opencode-ai/plugin"
import { describeError, SessionToolError } from "../host/errors.js"
import type { HostCapabilities } from "../host/capabilities.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode, PermissionConfig } from "../host/opencode.js"
import { evaluate, rulesForAgent, wildcardMatch } from "./rules.js"
import { readWrittenPermissions } from "./written-config.js"
import { words } from "../words/index.js"

export type PermissionRequest = { mode: string; agent: string; text: string }

/** Where OpenCode reads its configuration from, for the files the person wrote. */
export type ConfigLocation = { directory?: string; worktree?: string; env: Record<string, string | undefined> }

export class PermissionDeniedError extends SessionToolError {
  override name = "PermissionDeniedError"
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && "then" in value && typeof value.then === "function"
}

/**
 * Asks OpenCode's permission system (permission `session`, pattern `<mode>:<agent>`) where the
 * release lets a plugin do so: allow resolves, deny throws, ask waits for the person. Where it
 * does not (no `ask` in the tool context, or one that hands back an effect nobody runs), the
 * plugin reads the rules from the configuration and applies them itself; an `ask` rule is then
 * refused, never taken as allow.
 */
export class PermissionGate {
  private config: Promise<PermissionConfig[]> | undefined

  constructor(private readonly deps: { opencode: Opencode; location: ConfigLocation; host: HostCapabilities; notifier: Notifier }) {}

  async check(context: ToolContext, request: PermissionRequest): Promise<void> {
    const pattern = `${request.mode}:${request.agent}`
    const asking = this.askHost(context, pattern, request)
    if ("then" in asking) {
      try {
        await asking
      } catch (error) {
        this.deps.notifier.warn(`Not allowed: session ${pattern} (${describeError(error)})`, { sessionID: context.sessionID })
        // OpenCode's own error, unchanged: it stops the turn when the person says no.
        throw error
      }
      return
    }
    const rules = rulesForAgent(await this.rules(context), context.agent)
    // Worth telling the person only when they wrote rules that OpenCode would have applied.
    if (rules.some((rule) => wildcardMatch("session", rule.permission))) this.deps.host.lacks("permission-prompt", asking.unavailable)
    const verdict = evaluate(rules, "session", pattern)
    if (verdict.action === "allow") return
    const where = verdict.rule
      ? `your rule ${verdict.rule.source}.${verdict.rule.permission} "${verdict.rule.pattern}": "${verdict.rule.action}"`
      : "your rules"
    const refusal = verdict.action === "deny" ? words.refusal.denied(pattern, where) : words.refusal.needsApproval(pattern, where)
    this.deps.notifier.warn(refusal, { sessionID: context.sessionID })
    throw new PermissionDeniedError(refusal)
  }

  private askHost(context: ToolContext, pattern: string, request: PermissionRequest): PromiseLike<unknown> | { unavailable: string } {
    // Typed as always there, but older releases (1.0) give a context without it.
    const ask: unknown = Reflect.get(context, "ask")
    if (typeof ask !== "function") return { unavailable: "the tool context has no ask()" }
    const asked: unknown = ask.call(context, {
      permission: "session",
      patterns: [pattern],
      always: [pattern],
      metadata: { mode: request.mode, agent: request.agent, text: request.text.slice(0, 200) },
    })
    return isThenable(asked) ? asked : { unavailable: "its ask() returns an effect that a plugin cannot run" }
  }

  /**
   * The configuration as OpenCode resolved it, then as written in the files (where a release
   * dropped `permission.session`, only the files still hold it; where it kept it, both agree).
   * Read once per instance: OpenCode makes a new instance, and plugin, when its configuration changes.
   */
  private rules(context: ToolContext): Promise<PermissionConfig[]> {
    const directory = this.deps.location.directory ?? (context.directory || process.cwd())
    this.config ??= (async () => [
      await this.deps.opencode.config(),
      readWrittenPermissions(this.deps.location.env, directory, this.deps.location.worktree),
    ])().catch((error: unknown) => {
      this.config = undefined
      throw new SessionToolError(words.refusal.rulesUnreadable(describeError(error)))
    })
    return this.config
  }
}
