/**
 * The compatibility suite's asks and depth, on whichever release runs it: a started session's
 * permission ask is named by `wait` (which returns while it waits) and, once the person approves
 * it (by the route that release offers), its answer is reported back; a chain of starts is
 * refused at maxDepth.
 */
import { describe, expect, it } from "vitest"
import type { Harness } from "../e2e/harness.js"
import { callSession, lines, reportedSessions, sessionToolParts, startedBy, textOf, toolOutcome } from "../e2e/script.js"
import { isReport } from "../e2e/waits.js"
import type { Release } from "./releases.js"

type Suite = { harness: () => Harness; release: Release; version: string }

type AskEvent = { id: string; sessionID?: string }

export function asks({ harness, release, version }: Suite): void {
  describe(`OpenCode ${version}: what started sessions ask, and how deep they go`, () => {
    async function results(sessionID: string, count: number) {
      return harness().waitFor(`${count} session results in ${sessionID}`, async () => {
        const outcomes = sessionToolParts(await harness().messages(sessionID)).map(toolOutcome)
        return outcomes.filter((outcome) => outcome.status === "completed" || outcome.status === "error").length >= count ? outcomes : undefined
      })
    }

    async function started(callerID: string): Promise<string> {
      return harness().waitFor(`the session ${callerID} started`, async () => {
        const part = sessionToolParts(await harness().messages(callerID))[0]
        return part && startedBy(part)
      })
    }

    /** The person approves once, by the route this release offers (1.0: the session's own; later: /permission). */
    async function approve(sessionID: string, id: string): Promise<void> {
      const oc = harness()
      const directory = `directory=${encodeURIComponent(oc.projectDir)}`
      const [url, body] =
        release.askEvents === "1.0"
          ? [`${oc.url}/session/${sessionID}/permissions/${id}?${directory}`, { response: "once" }]
          : [`${oc.url}/permission/${id}/reply?${directory}`, { reply: "once" }]
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      expect(response.ok, `${url}: HTTP ${response.status}`).toBe(true)
    }

    it(`a permission ask (${release.askEvents === "1.0" ? "permission.updated" : "permission.asked"}): wait returns naming it, and once approved the answer is reported`, async () => {
      const oc = harness()
      const since = oc.events.length
      const work = lines("Compat ask.", "@bash echo compat-ask", "@after-tool @say Compat approved.")
      const text = lines(callSession({ mode: "new", agent: "worker", report: true, text: work }), `@after-tool ${callSession({ mode: "wait", timeout: 120 })}`)
      const root = await oc.startSession(text, "alpha")
      const worker = await started(root)
      const askType = release.askEvents === "1.0" ? "permission.updated" : "permission.asked"
      const asked = await oc.waitFor("the ask", () =>
        oc.events.slice(since).find((event) => event.type === (askType as string) && (event.properties as unknown as AskEvent).sessionID === worker),
      )
      const [, waited] = await results(root, 2)
      expect(waited?.text).toMatch(/^Finished: 0 of 1/)
      expect(waited?.text).toMatch(new RegExp(`${worker} "[^"]*" \\(agent worker\\) asks the person: permission bash`))
      await approve(worker, (asked.properties as unknown as AskEvent).id)
      const report = await oc.waitFor("the report", async () => (await oc.messages(root)).find((m) => isReport(m) && reportedSessions(m).includes(worker)))
      expect(textOf(report)).toContain("Compat approved.")
    })

    it("a chain of starts is refused at maxDepth (2), nothing made", async () => {
      const oc = harness()
      let text = "@say Never."
      for (let hop = 3; hop >= 1; hop--) text = lines(`Compat level ${hop}.`, callSession({ mode: "new", agent: "alpha", text }))
      const root = await oc.startSession(text, "alpha")
      const second = await started(await started(root))
      const [refusal] = await results(second, 1)
      expect(refusal?.status).toBe("error")
      expect(refusal?.text).toContain("this session is at depth 2")
      expect(refusal?.text).toContain("(option maxDepth")
    })
  })
}
