/**
 * The compatibility suite's team, on whichever release runs it: a start `after` another begins
 * with that one's answer, and a started session's message to its caller is answered by the
 * caller's agent, the answer coming back to it as a reply.
 */
import { describe, expect, it } from "vitest"
import type { Harness, StoredMessage } from "../e2e/harness.js"
import { callSession, lines, pluginMarker, textOf } from "../e2e/script.js"
import { namedStarts } from "../e2e/waits.js"

type Suite = { harness: () => Harness; version: string }

export function team({ harness, version }: Suite): void {
  describe(`OpenCode ${version}: a team`, () => {
    /** A message the plugin delivered in `sessionID` (marker `kind`) holding `text`, once a finished answer follows it. */
    async function answeredDelivery(sessionID: string, kind: string, text: string): Promise<StoredMessage[]> {
      return harness().waitFor(`a ${kind} holding "${text}" in ${sessionID}, answered`, async () => {
        const messages = await harness().messages(sessionID)
        const at = messages.findIndex((m) => m.info.role === "user" && pluginMarker(m)?.kind === kind && textOf(m).includes(text))
        const answered = messages.slice(at + 1).some((m) => m.info.role === "assistant" && m.info.time.completed && m.info.finish !== "tool-calls")
        return at >= 0 && answered ? messages.slice(at) : undefined
      })
    }

    it("a start after another begins with its answer; a message to the caller is answered there, and the reply comes back", async () => {
      const oc = harness()
      const ask = callSession({ mode: "message", session: "caller", report: true, text: lines("Compat: which port?", "@say Port 8080.") })
      const root = await oc.startSession(
        lines(
          "Compat team.",
          callSession({ mode: "new", name: "digger", text: lines("Dig.", "@delay 500", "@say Compat dug: 42.") }),
          callSession({ mode: "new", name: "checker", after: "digger", text: lines("Check.", ask, "@after-tool @say Compat checked.") }),
        ),
        "alpha",
      )
      const ids = await namedStarts(oc, root, ["digger", "checker"])
      const checker = ids.get("checker")!
      const first = await oc.waitFor("the checker's first message", async () => (await oc.messages(checker)).find((m) => m.info.role === "user"))
      expect(textOf(first)).toContain(`digger (${ids.get("digger")}) "`)
      expect(textOf(first)).toContain("Compat dug: 42.")

      const asked = await answeredDelivery(root, "follow-up", "Compat: which port?")
      expect(asked.slice(1).map(textOf).join("\n")).toContain("Port 8080.")
      await answeredDelivery(checker, "report", "Port 8080.")
    })
  })
}
