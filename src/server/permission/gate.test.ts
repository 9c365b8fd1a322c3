import type { ToolContext } from "@opencode-ai/plugin"
import { describe, expect, it } from "vitest"
import { HostCapabilities } from "../host/capabilities.js"
import type { Notifier } from "../host/notify.js"
import type { Opencode, PermissionConfig } from "../host/opencode.js"
import { PermissionDeniedError, PermissionGate } from "./gate.js"

const request = { mode: "new", agent: "plan", text: "Go." }

function gate(config: PermissionConfig) {
  const warnings: string[] = []
  const notifier = { warn: (message: string) => void warnings.push(message), debug: () => undefined } as unknown as Notifier
  const host = new HostCapabilities(notifier)
  const opencode = { config: async () => config } as unknown as Opencode
  // No config files in a folder that does not exist: only the resolved configuration counts.
  const permissions = new PermissionGate({
    opencode,
    location: { directory: "/nonexistent/project", env: { XDG_CONFIG_HOME: "/nonexistent/config" } },
    host,
    notifier,
  })
  return { permissions, warnings, host }
}

function context(ask: unknown): ToolContext {
  return { sessionID: "ses_1", messageID: "msg_1", agent: "build", ask } as unknown as ToolContext
}

describe("PermissionGate", () => {
  it("leaves the decision to OpenCode when its ask() is a promise, and passes its refusal on unchanged", async () => {
    const { permissions, host } = gate({ permission: { session: "deny" } })
    const asked: unknown[] = []
    await permissions.check(
      context(async (input: unknown) => void asked.push(input)),
      request,
    )
    expect(asked).toEqual([expect.objectContaining({ permission: "session", patterns: ["new:plan"], always: ["new:plan"] })])
    const rejection = new Error("The user rejected permission")
    await expect(
      permissions.check(
        context(() => Promise.reject(rejection)),
        request,
      ),
    ).rejects.toBe(rejection)
    expect(host.has("permission-prompt")).toBe(true)
  })

  it("applies the rules itself when ask() hands back an effect: deny refuses, naming the rule", async () => {
    const { permissions, warnings, host } = gate({ permission: { session: { "*": "allow", "new:*": "deny" } } })
    const effect = { _op: "effect" }
    await expect(
      permissions.check(
        context(() => effect),
        request,
      ),
    ).rejects.toThrow(PermissionDeniedError)
    await expect(
      permissions.check(
        context(() => effect),
        request,
      ),
    ).rejects.toThrow(/new:plan is denied by your rule permission\.session "new:\*": "deny"/)
    expect(host.has("permission-prompt")).toBe(false)
    expect(warnings.filter((warning) => warning.includes("is not available"))).toHaveLength(1)
  })

  it("never takes ask as allow where nobody can be asked", async () => {
    const { permissions } = gate({ agent: { build: { permission: { session: { "new:*": "ask" } } } } })
    await expect(permissions.check(context(undefined), request)).rejects.toThrow(
      /needs the person's approval .*agent\.build\.permission.*cannot ask from a plugin/,
    )
  })

  it("allows what no rule restricts, without a warning when no session rule was written", async () => {
    const { permissions, warnings, host } = gate({ permission: { edit: "deny" } })
    await permissions.check(context(undefined), request)
    expect(warnings).toEqual([])
    expect(host.has("permission-prompt")).toBe(true)
  })
})
