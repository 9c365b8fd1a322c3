/**
 * Plugin options, given through `"plugin": [[path, options]]` in a real OpenCode: honoured
 * when valid, and a clear message (toast and log) with safe defaults when not.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startOpencode, type Harness } from "./harness.js"
import { callSession, lines, reportedSessions, sessionToolParts, startedBy, textOf } from "./script.js"
import { answered, deliveredAndAnswered, isReport, toasts } from "./waits.js"

const agents = { alpha: { mode: "primary" as const }, beta: { mode: "primary" as const } }

function useOpencode(pluginOptions: Record<string, unknown>) {
  const box: { oc?: Harness } = {}
  beforeAll(async () => {
    box.oc = await startOpencode({ agents, pluginOptions })
  })
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") console.log(`Transcript after "${context.task.name}":\n${await box.oc!.transcript()}`)
  })
  afterAll(async () => {
    await box.oc?.stop()
  })
  return () => box.oc!
}

describe("valid options: { report: true, toasts: false }", () => {
  const oc = useOpencode({ report: true, toasts: false })

  it("reports back by default, and shows no informational toasts", async () => {
    const since = oc().events.length
    const id = await oc().startSession(callSession({ mode: "new", agent: "beta", text: lines("Look around.", "@say Looked.") }), "alpha")
    const child = startedBy(sessionToolParts(await answered(oc(), id, 1))[0]!)!
    const report = await oc().waitFor("the report", async () => (await oc().messages(id)).find((m) => isReport(m) && reportedSessions(m).includes(child)))
    expect(textOf(report)).toContain(`[Report from session ${child}`)
    expect(textOf(report)).toContain("Looked.")
    expect(toasts(oc(), since).filter((t) => t.variant === "info")).toEqual([])
  })

  it("still toasts refusals", async () => {
    const since = oc().events.length
    await oc().startSession(callSession({ mode: "message", agent: "nobody", text: "x" }), "alpha")
    const toast = await oc().waitFor("a refusal toast", () => toasts(oc(), since).find((t) => t.variant === "warning"))
    expect(toast.message).toContain('agent "nobody" does not exist')
  })
})

describe("invalid options", () => {
  const oc = useOpencode({ maxAutomaticHandoffs: "lots", toast: false })

  it("names what is wrong in a toast and the log, and works with the defaults", async () => {
    const since = oc().events.length
    const id = await oc().startSession(callSession({ mode: "message", agent: "beta", text: "Still works." }), "alpha")
    const toast = await oc().waitFor("the options toast", () => toasts(oc(), since).find((t) => t.message.includes("invalid plugin options")))
    expect(toast.variant).toBe("error")
    expect(toast.message).toContain("maxAutomaticHandoffs")
    expect(toast.message).toContain('"toast"')
    expect(toast.message).toContain("Using the defaults for those instead")
    await oc().waitFor("the options problem in OpenCode's log", () => oc().output().includes("invalid plugin options"))
    await deliveredAndAnswered(oc(), id, "beta", "Still works.")
  })
})

describe("steering options: { maxTokens: 1000, stopWithCaller: false }", () => {
  const oc = useOpencode({ maxTokens: 1000, stopWithCaller: false })

  it("stops a started session at the step after it passes maxTokens, and its report says why", async () => {
    const since = oc().events.length
    const big = lines("Big job.", "@usage 4000 20", "@bash echo first step", "@after-tool @hang")
    const id = await oc().startSession(callSession({ mode: "new", agent: "beta", report: true, text: big }), "alpha")
    const child = startedBy(sessionToolParts(await answered(oc(), id, 1))[0]!)!
    const report = await oc().waitFor("the report", async () => (await oc().messages(id)).find((m) => isReport(m) && reportedSessions(m).includes(child)))
    expect(textOf(report)).toContain("it used 4020 tokens, over the limit of 1000 (option maxTokens)")
    const toast = await oc().waitFor("the warning toast", () => toasts(oc(), since).find((t) => t.message.includes("(option maxTokens)")))
    expect(toast.message).toContain("it used 4020 tokens, over the limit of 1000")
    const statuses = (await oc().client.session.status()).data ?? {}
    expect(statuses[child]?.type ?? "idle").toBe("idle")
  })

  it("keeps the sessions an interrupted turn started running", async () => {
    const id = await oc().startSession("@say Ready.", "alpha")
    await answered(oc(), id, 1)
    const text = lines(callSession({ mode: "fork", agent: "beta", text: lines("Keep going.", "@delay 60000") }), "@after-tool @hang")
    await oc().client.session.promptAsync({ path: { id }, body: { agent: "alpha", parts: [{ type: "text", text }] } })
    const fork = await oc().waitFor("the fork", async () => {
      const call = sessionToolParts(await oc().messages(id)).at(-1)
      return call && startedBy(call)
    })
    const busy = async (sessionID: string) => ((await oc().client.session.status()).data ?? {})[sessionID]?.type === "busy"
    await oc().waitFor("the fork to run", () => busy(fork))
    await oc().client.session.abort({ path: { id } })
    await oc().waitFor("the caller to stop", async () => !(await busy(id)))
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await busy(fork)).toBe(true)
    await oc().client.session.abort({ path: { id: fork } })
  })
})
