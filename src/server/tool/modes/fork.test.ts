import { describe, expect, it } from "vitest"
import type { Call } from "../../../core/types.js"
import { OpencodeCallError, SessionToolError } from "../../errors.js"
import { HostCapabilities } from "../../host/capabilities.js"
import type { Notifier } from "../../host/notify.js"
import type { Services } from "../../services.js"
import { fork } from "./fork.js"
import { Placement } from "../../isolation/placement.js"
import type { Opencode } from "../../host/opencode.js"

const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Try it.", report: "none" }

/** Fork mode on a release whose fork route answers with `status`. */
function servicesAnswering(status: number) {
  const warnings: string[] = []
  const notifier = { warn: (message: string) => void warnings.push(message), debug: () => undefined } as unknown as Notifier
  let forkCalls = 0
  const opencode = {
    forkSession: async () => {
      forkCalls++
      throw new OpencodeCallError("forking session ses_parent (HTTP " + status + ")", "Not Found", status)
    },
  } as unknown as Opencode
  const host = new HostCapabilities(notifier)
  const services = { host, notifier, opencode, placement: new Placement(opencode, host, notifier) } as unknown as Services
  return { services, warnings, forkCalls: () => forkCalls }
}

describe("fork on a release without the fork route", () => {
  it("refuses with the reason and the alternative, says it once, and asks the server no more", async () => {
    const { services, warnings, forkCalls } = servicesAnswering(404)
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = fork(services, call)
      await expect(refused).rejects.toBeInstanceOf(SessionToolError)
      await expect(refused).rejects.toThrow(/forking a session is not available on this OpenCode \(OpenCode answered 404.*Use mode new instead/)
    }
    expect(forkCalls()).toBe(1)
    expect(warnings).toHaveLength(1)
    expect(services.host.takeUnsaid()).toEqual([expect.stringContaining("mode fork is refused")])
  })

  it("passes any other failure on unchanged, and does not turn forks off", async () => {
    const { services, warnings } = servicesAnswering(500)
    await expect(fork(services, call)).rejects.toBeInstanceOf(OpencodeCallError)
    expect(services.host.has("fork")).toBe(true)
    expect(warnings).toEqual([])
  })
})
