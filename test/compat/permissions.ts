/**
 * The compatibility suite's `permission.session` rules, on whichever release runs it: global and
 * per-agent deny and ask, applied by OpenCode where it asks for plugins, or by the plugin itself.
 */
import { describe, expect, it } from "vitest"
import type { Harness } from "../e2e/harness.js"
import { callSession, sessionToolParts, textOf } from "../e2e/script.js"
import { answeredBy } from "../e2e/waits.js"
import type { Release } from "./releases.js"

type Suite = {
  harness: () => Harness
  release: Release
  version: string
  sessionCount: () => Promise<number>
  firstCall: (sessionID: string) => Promise<{ status: string; text: string }>
}

/** OpenCode's own refusal names the rule that denies: `"pattern":"<pattern>","action":"deny"`. */
function openCodeDenied(pattern: string): RegExp {
  const quoted = JSON.stringify(pattern).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  return new RegExp(`"pattern":\\s*${quoted},\\s*"action":\\s*"deny"`)
}

export function permissionRules({ harness, release, version, sessionCount, firstCall }: Suite): void {
  describe(`OpenCode ${version}: permission.session rules (${release.permissions === "opencode" ? "OpenCode asks" : "the plugin applies them"})`, () => {
    async function refusedAndNothingCreated(caller: string, call: Parameters<typeof callSession>[0], pattern: string | RegExp) {
      const before = await sessionCount()
      const id = await harness().startSession(callSession(call), caller)
      const outcome = await firstCall(id)
      expect(outcome.status).toBe("error")
      expect(outcome.text).toMatch(pattern)
      await harness().waitIdle(id)
      expect(await sessionCount()).toBe(before + 1)
      expect(sessionToolParts(await harness().messages(id))).toHaveLength(1)
      return id
    }

    /** An `ask` rule: OpenCode asks the person (here: rejected), or the plugin refuses outright. */
    async function askedAndRejected(caller: string, call: Parameters<typeof callSession>[0], pattern: string) {
      const before = await sessionCount()
      const since = harness().events.length
      const id = await harness().startSession(callSession(call), caller)
      if (release.permissions === "opencode") {
        const asked = await harness().waitForEvent(
          `the permission request for ${pattern}`,
          (event) => event.type === ("permission.asked" as string) && (event.properties as { sessionID?: string }).sessionID === id,
        )
        const request = asked.properties as unknown as { id: string; permission: string; patterns: string[] }
        expect(request.permission).toBe("session")
        expect(request.patterns).toEqual([pattern])
        const response = await fetch(`${harness().url}/permission/${request.id}/reply?directory=${encodeURIComponent(harness().projectDir)}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reply: "reject" }),
        })
        expect(response.status).toBe(200)
        expect((await firstCall(id)).status).toBe("error")
      } else {
        const outcome = await firstCall(id)
        expect(outcome.status).toBe("error")
        expect(outcome.text).toContain(`${pattern} needs the person's approval`)
        expect(outcome.text).toContain("cannot ask from a plugin")
        expect(
          harness()
            .events.slice(since)
            .filter((event) => event.type === ("permission.asked" as string)),
        ).toEqual([])
      }
      await harness().waitIdle(id)
      expect(await sessionCount()).toBe(before + 1)
    }

    it("a global deny refuses and creates nothing", async () => {
      await refusedAndNothingCreated(
        "alpha",
        { mode: "new", agent: "beta", text: "denied" },
        release.permissions === "plugin" ? /new:beta is denied by your rule permission\.session "new:beta": "deny"/ : openCodeDenied("new:beta"),
      )
    })

    it("a global ask is asked (or refused where OpenCode cannot ask), never taken as allow", async () => {
      await askedAndRejected("alpha", { mode: "fork", agent: "beta", text: "asked" }, "fork:beta")
    })

    it("the calling agent's own deny wins over the global allow", async () => {
      await refusedAndNothingCreated(
        "gamma",
        { mode: "message", agent: "alpha", text: "denied" },
        release.permissions === "plugin" ? /message:alpha is denied by your rule agent\.gamma\.permission/ : openCodeDenied("message:*"),
      )
    })

    it("the calling agent's own ask is asked (or refused), never taken as allow", async () => {
      await askedAndRejected("gamma", { mode: "new", agent: "alpha", text: "asked" }, "new:alpha")
    })

    it("what no rule restricts still goes through", async () => {
      const id = await harness().startSession(callSession({ mode: "message", agent: "alpha", text: "@say Allowed." }), "beta")
      const messages = await answeredBy(harness(), id, "alpha")
      expect(textOf(messages.at(-1)!)).toBe("Allowed.")
    })
  })
}
