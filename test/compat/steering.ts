/**
 * The compatibility suite's steering, on whichever release runs it: a running started session
 * stopped by id (OpenCode's abort, and the stop noted in the session), and a follow-up to an
 * idle started session, answered there by its agent and reported back.
 */
import { describe, expect, it } from "vitest"
import type { Harness } from "../e2e/harness.js"
import { callRecord, callSession, lines, pluginMarker, reportedSessions, sessionToolParts, startedSessionsIn, textOf, toolOutcome } from "../e2e/script.js"
import { contentText } from "../e2e/scripted-model.js"
import { answered, answeredBy, isReport } from "../e2e/waits.js"

type Suite = { harness: () => Harness; version: string }

export function steering({ harness, version }: Suite): void {
  describe(`OpenCode ${version}: steering what the agents started`, () => {
    /** The sessions the caller's turns started, in call order. */
    async function startedBy(callerID: string): Promise<string[]> {
      return startedSessionsIn(await harness().messages(callerID))
    }

    /** The caller's `nth` session call (its words and its record), once it has finished. */
    async function call(callerID: string, nth: number) {
      return harness().waitFor(`session call ${nth} in ${callerID}`, async () => {
        const part = sessionToolParts(await harness().messages(callerID))[nth - 1]
        const outcome = part && toolOutcome(part)
        return outcome && (outcome.status === "completed" || outcome.status === "error") ? { ...outcome, record: callRecord(part) } : undefined
      })
    }

    it("stop: a running started session is aborted, and the stop is noted in it", async () => {
      const oc = harness()
      const id = await oc.startSession(callSession({ mode: "new", agent: "alpha", text: lines("Compat long job.", "@hang") }), "alpha")
      await answered(oc, id, 1)
      const [child] = await startedBy(id)
      // Older releases publish no busy status: the model request in flight is what says it runs.
      await oc.waitFor("its model request in flight", () =>
        oc.model.requests.some((request) => request.reply === "hang" && request.messages.some((message) => contentText(message).includes("Compat long job."))),
      )
      await oc.say(id, callSession({ mode: "stop", session: child! }), "alpha")
      const stopped = await call(id, 2)
      expect(stopped.record).toMatchObject({ kind: "stopped", sessions: [child] })
      expect(stopped.text).toMatch(new RegExp(`^Stopped 1 session:\\n- ${child}`))
      const marker = await oc.waitFor("the stop noted in the session", async () => {
        const last = (await oc.messages(child!)).at(-1)
        const found = last && pluginMarker(last)
        return found?.kind === "stop" ? found : undefined
      })
      expect(marker.by).toBe("caller")
      await oc.waitIdle(child!)
    })

    it("follow-up: an idle started session answers by its agent, and the answer is reported back", async () => {
      const oc = harness()
      const id = await oc.startSession(
        callSession({ mode: "new", agent: "alpha", text: lines("Compat first question.", "@say Compat first answer.") }),
        "alpha",
      )
      await answered(oc, id, 1)
      const [child] = await startedBy(id)
      await answeredBy(oc, child!, "alpha")
      const followUp = lines("Compat second question.", "@say Compat second answer.")
      await oc.say(id, callSession({ mode: "message", session: child!, report: true, text: followUp }), "alpha")
      const sent = await call(id, 2)
      expect(sent.status).toBe("completed")
      expect(sent.record).toMatchObject({ kind: "follow-up", session: child })
      const answer = await oc.waitFor("alpha's second answer", async () => {
        const last = (await answeredBy(oc, child!, "alpha")).at(-1)!
        return textOf(last) === "Compat second answer." ? last : undefined
      })
      expect(answer.info.role === "assistant" && answer.info.mode).toBe("alpha")
      const key = `${child}/${sent.record!.id}`
      const report = await oc.waitFor("the follow-up's report", async () =>
        (await oc.messages(id)).find((message) => isReport(message) && reportedSessions(message).includes(key)),
      )
      expect(textOf(report)).toContain(child!)
      expect(textOf(report)).toContain("Compat second answer.")
    })
  })
}
