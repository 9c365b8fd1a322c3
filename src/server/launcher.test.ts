import type { Session } from "@opencode-ai/sdk"
import { describe, expect, it } from "vitest"
import { Delivery } from "./delivery.js"
import { HandoffBook } from "../core/book.js"
import { Launcher } from "./launcher.js"
import { Notifier } from "./notify.js"
import type { Opencode, PromptInput, ToastVariant } from "./opencode/client.js"
import type { Call } from "../core/types.js"

type Answer = Awaited<ReturnType<Opencode["prompt"]>>

/** A fake server whose first prompt to the started session is settled by the test. */
function setup() {
  const toasts: { message: string; variant: ToastVariant }[] = []
  const deleted: string[] = []
  const delivered: string[] = []
  let settle: { answer(answer: Partial<Answer["info"]>, text?: string): void; fail(error: unknown): void } | undefined
  const opencode = {
    prompt: (sessionID: string, input: PromptInput) => {
      if (sessionID !== "ses_child") {
        delivered.push(`${sessionID} ${input.agent}: ${input.text.replace("\n\n", " | ")}`)
        return Promise.resolve({ info: {}, parts: [] })
      }
      return new Promise<Answer>((resolve, reject) => {
        settle = {
          answer: (info, text = "") => resolve({ info, parts: [{ type: "text", text }] } as unknown as Answer),
          fail: reject,
        }
      })
    },
    deleteSession: async (sessionID: string) => void deleted.push(sessionID),
    isBusy: async () => false,
    toast: async (message: string, variant: ToastVariant) => void toasts.push({ message, variant }),
    log: async () => undefined,
  } as unknown as Opencode
  const book = new HandoffBook(8)
  const notifier = new Notifier(opencode, true)
  const launcher = new Launcher(opencode, book, new Delivery(opencode, book, notifier), notifier)
  const call: Call = { sessionID: "ses_parent", messageID: "msg_1", callerAgent: "build", agent: "plan", text: "Look into it.", report: true }
  const session = { id: "ses_child", title: "New · plan: Look into it." } as Session
  return { launcher, book, call, session, toasts, deleted, delivered, settle: () => settle! }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

describe("Launcher", () => {
  it("returns once the session accepted its first message, then reports its answer back to the caller", async () => {
    const { launcher, book, call, session, delivered, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    launcher.accepted("ses_child")
    expect(await launching).toContain('Started session ses_child "New · plan: Look into it."')
    expect(book.started("ses_parent").map((s) => s.sessionID)).toEqual(["ses_child"])

    settle().answer({}, "Found it.")
    await tick()
    expect(delivered).toEqual([
      'ses_parent build: [Report from session ses_child "New · plan: Look into it." (agent "plan"): its final answer, sent back automatically.] | Found it.',
    ])
  })

  it("removes the session and records nothing when the first message fails before it is accepted", async () => {
    const { launcher, book, call, session, toasts, deleted, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    settle().fail(new Error("agent vanished"))
    await expect(launching).rejects.toThrow("agent vanished")
    expect(deleted).toEqual(["ses_child"])
    expect(book.started("ses_parent")).toEqual([])
    await tick()
    // The tool's own refusal reaches the person; the launcher adds no second report.
    expect(toasts).toEqual([])
  })

  it("reports an interruption by the person without an error toast", async () => {
    const { launcher, call, session, toasts, delivered, settle } = setup()
    const launching = launcher.launch(call, "fork", session)
    await tick()
    launcher.accepted("ses_child")
    await launching
    settle().answer({ error: { name: "MessageAbortedError", data: { message: "aborted" } } } as never)
    await tick()
    expect(toasts.filter((toast) => toast.variant === "error")).toEqual([])
    expect(delivered).toHaveLength(1)
    expect(delivered[0]).toContain("(The person interrupted it before it answered.)")
  })

  it("reports a failed turn with an error toast, and tells the caller", async () => {
    const { launcher, call, session, toasts, settle } = setup()
    const launching = launcher.launch(call, "new", session)
    await tick()
    launcher.accepted("ses_child")
    await launching
    settle().answer({ error: { name: "APIError", data: { message: "model overloaded" } } } as never)
    await tick()
    expect(toasts.find((toast) => toast.variant === "error")?.message).toContain("turn failed (APIError: model overloaded)")
  })
})
