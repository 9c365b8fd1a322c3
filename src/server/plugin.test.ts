import type { Event } from "@opencode-ai/sdk"
import { describe, expect, it } from "vitest"
import { createSessionsPlugin } from "./plugin.js"

type Calls = { toasts: string[]; logs: string[]; prompts: string[] }

/**
 * A fake OpenCode client: enough for the event path. `promptFails` makes the prompt call
 * throw synchronously, like a bug would, for the sessions it names.
 */
function fakeClient(promptFails: Set<string>, calls: Calls) {
  return {
    session: {
      prompt: (options: { path: { id: string }; body: { parts: Array<{ text: string }> } }) => {
        if (promptFails.has(options.path.id)) throw new TypeError("boom: unexpected shape")
        calls.prompts.push(`${options.path.id}: ${options.body.parts[0]!.text.split("\n").at(-1)}`)
        return Promise.resolve({ data: { info: { role: "assistant" }, parts: [] } })
      },
    },
    tui: { showToast: (options: { body: { message: string } }) => (calls.toasts.push(options.body.message), Promise.resolve({ data: true })) },
    app: { log: (options: { body: { message: string } }) => (calls.logs.push(options.body.message), Promise.resolve({ data: true })) },
  }
}

const idle = (sessionID: string) => ({ type: "session.status", properties: { sessionID, status: { type: "idle" } } }) as unknown as Event

async function pluginWithQueuedHandoffs(promptFails: Set<string>, sessions: string[]) {
  const calls: Calls = { toasts: [], logs: [], prompts: [] }
  const client = fakeClient(promptFails, calls)
  ;(client as { app: object }).app = {
    ...client.app,
    agents: () =>
      Promise.resolve({
        data: [
          { name: "plan", mode: "primary" },
          { name: "build", mode: "primary" },
        ],
      }),
  }
  const hooks = createSessionsPlugin({ client } as never)
  const context = (sessionID: string) => ({ sessionID, messageID: "msg_1", agent: "build", ask: async () => {} }) as never
  // Queued through the real tool, as an agent would.
  for (const id of sessions) await hooks.tool!.session!.execute({ mode: "message", agent: "plan", text: `to ${id}` }, context(id))
  return { calls, hooks }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe("the plugin's event hook", () => {
  it("catches an event it cannot read, logs and reports it, and keeps delivering", async () => {
    const { calls, hooks } = await pluginWithQueuedHandoffs(new Set(), ["ses_ok"])
    const malformed = { type: "session.status", properties: { sessionID: "ses_ok" } } as unknown as Event
    await expect(hooks.event!({ event: malformed })).resolves.toBeUndefined()
    await hooks.event!({ event: idle("ses_ok") })
    await settle()
    expect(calls.toasts.some((message) => message.includes("handling session.status failed"))).toBe(true)
    expect(calls.logs.some((message) => message.includes("handling session.status failed"))).toBe(true)
    expect(calls.prompts).toEqual(["ses_ok: to ses_ok"])
  })

  it("reports a delivery that fails unexpectedly, and other sessions' hand-offs still go", async () => {
    const { calls, hooks } = await pluginWithQueuedHandoffs(new Set(["ses_broken"]), ["ses_broken", "ses_ok"])
    await expect(hooks.event!({ event: idle("ses_broken") })).resolves.toBeUndefined()
    await hooks.event!({ event: idle("ses_ok") })
    await settle()

    expect(calls.prompts).toEqual(["ses_ok: to ses_ok"])
    expect(calls.toasts.some((message) => message.includes("boom: unexpected shape"))).toBe(true)
    expect(calls.logs.some((message) => message.includes("boom: unexpected shape"))).toBe(true)
  })
})
