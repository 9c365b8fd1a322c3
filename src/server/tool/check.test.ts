import type { ToolContext } from "@opencode-ai/plugin"
import { describe, expect, it, vi } from "vitest"
import { HandoffBook } from "../../core/book.js"
import { EmptyTextError, InvalidAgentError, InvalidModelError, LoopGuardError, SessionToolError } from "../host/errors.js"
import { HostCapabilities } from "../host/capabilities.js"
import type { Notifier } from "../host/notify.js"
import type { AgentInfo } from "../host/opencode.js"
import { OptionsSchema, type Options } from "../host/options.js"
import { checkCall, type CheckServices } from "./check.js"
import type { SendingMode, SessionArgs } from "./schema.js"
import { words } from "../words/index.js"

const agent = (name: string, mode: AgentInfo["mode"], hidden?: boolean) => ({ name, description: `${name} agent`, mode, hidden }) as AgentInfo
const AGENTS = [agent("build", "primary"), agent("plan", "primary"), agent("docs", "all"), agent("explore", "subagent"), agent("title", "primary", true)]
const VALID = ["build", "plan", "docs"]
const PROVIDERS = {
  providers: [
    { id: "anthropic", source: "env", models: { "claude-a": {}, "claude-b": {} } },
    { id: "local", source: "custom", models: { tiny: {} } },
    { id: "openai", source: "config", models: { "gpt-a": {}, "gpt-b": {}, "gpt-c": {} } },
  ],
  default: { openai: "gpt-b" },
}
const CHECKOUT = { root: "/repo", prefix: "sub" }

type Setup = {
  recent?: AgentInfo[]
  options?: Partial<Options>
  maxTurns?: number
  messageModel?: { providerID: string; modelID: string }
  /** How deep each session is, as the lifecycle knows it (0 where not given: the person's). */
  depths?: Record<string, number>
}
type Context = Partial<ToolContext> & { extra?: unknown }

function setup({ recent = AGENTS, options = {}, maxTurns = 8, messageModel, depths = {} }: Setup = {}) {
  const catalog = { recent: vi.fn(async () => recent), current: vi.fn(async () => AGENTS) }
  const opencode = { providers: vi.fn(async () => PROVIDERS), messageModel: vi.fn(async () => messageModel) }
  const placement = { check: vi.fn(async () => CHECKOUT) }
  const notices: string[] = []
  const host = new HostCapabilities({
    warn: (message: string) => notices.push(message),
    debug: (message: string) => notices.push(message),
  } as unknown as Notifier)
  const book = new HandoffBook(maxTurns)
  const lifecycle = { depthOf: vi.fn(async (sessionID: string) => depths[sessionID] ?? 0) }
  const services = { catalog, opencode, book, options: { ...OptionsSchema.parse({}), ...options }, placement, host, lifecycle } as unknown as CheckServices
  const check = (args: Partial<SessionArgs>, mode: SendingMode = "message", context: Context = {}) =>
    checkCall(services, { mode, text: "Do it.", ...args }, mode, {
      ...{ sessionID: "ses_caller", messageID: "msg_1", agent: "build", directory: "/repo/sub", worktree: "/repo" },
      ...{ abort: new AbortController().signal, metadata: () => undefined, ask: async () => undefined },
      ...context,
    })
  return { check, catalog, opencode, placement, book, host, notices, lifecycle }
}

/** A refusal: of this class, in exactly these words. */
async function refused(call: Promise<unknown>, kind: new (message: string) => Error, message: string) {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(kind)
  expect((error as Error).message).toBe(message)
}

describe("checkCall: text and agents", () => {
  it.each([undefined, "", "  \n\t"])("refuses the text %j before asking the server anything", async (text) => {
    const { check, catalog } = setup()
    await refused(check({ text }, "new"), EmptyTextError, words.refusal.emptyText("new"))
    expect(catalog.recent).not.toHaveBeenCalled()
  })

  it("hands over to the caller's own agent by default, with the text trimmed, asking for nothing more than the recent agents", async () => {
    const { check, catalog, opencode, placement } = setup()
    expect(await check({ text: "  Do it. \n" })).toEqual({
      ...{ sessionID: "ses_caller", messageID: "msg_1", callerAgent: "build", agent: "build", text: "Do it." },
      ...{ model: undefined, callerModel: undefined, report: "none", isolation: undefined },
    })
    expect(catalog.recent).toHaveBeenCalledOnce()
    expect([catalog.current, opencode.providers, opencode.messageModel, placement.check].map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0])
  })

  it.each([
    ["ghost", "does not exist or is disabled"],
    ["title", "is hidden (internal to OpenCode)"],
    ["explore", "is a subagent, not a primary agent"],
  ])("refuses the target agent %s, naming the valid primary agents, after asking the server again", async (name, why) => {
    const { check, catalog } = setup()
    await refused(check({ agent: ` ${name} ` }), InvalidAgentError, words.refusal.invalidAgent(name, why, VALID))
    expect(catalog.current).toHaveBeenCalledOnce()
  })

  it("accepts a target missing from the recent list once the server lists it", async () => {
    const { check, catalog } = setup({ recent: AGENTS.filter((candidate) => candidate.name !== "docs") })
    expect((await check({ agent: "docs" })).agent).toBe("docs")
    expect(catalog.current).toHaveBeenCalledOnce()
  })

  it("refuses a calling agent that is a subagent, even with a valid target", async () => {
    const { check } = setup()
    await refused(check({ agent: "plan" }, "message", { agent: "explore" }), SessionToolError, words.refusal.subagentCaller("explore"))
  })
})

describe("checkCall: models", () => {
  it("takes a configured provider/model, splitting at the first slash", async () => {
    const { check } = setup()
    expect((await check({ model: "openai/gpt-c" })).model).toEqual({ providerID: "openai", modelID: "gpt-c" })
  })

  it.each([
    ["gpt-a", "is not of the form provider/model"],
    ["openai/", "is not of the form provider/model"],
    ["/gpt-a", "is not of the form provider/model"],
    ["mistral/large", 'names no configured provider ("mistral")'],
  ])("refuses %s, naming the configured models first and each provider's default first", async (model, why) => {
    const { check } = setup()
    const examples = ["openai/gpt-b", "openai/gpt-a", "openai/gpt-c", "anthropic/claude-a", "anthropic/claude-b"]
    await refused(check({ model }), InvalidModelError, words.refusal.invalidModel(model, why, examples))
  })

  it("refuses a model its provider does not have, naming that provider's models first", async () => {
    const { check } = setup()
    const examples = ["anthropic/claude-a", "anthropic/claude-b", "openai/gpt-b", "openai/gpt-a", "openai/gpt-c"]
    await refused(
      check({ model: "anthropic/claude-z" }),
      InvalidModelError,
      words.refusal.invalidModel("anthropic/claude-z", 'is not a model of provider "anthropic"', examples),
    )
  })

  // `provider.models[modelID]` would let a name every object has (toString, constructor) pass as a model.
  it("refuses a model named like a property every object has", async () => {
    const { check } = setup()
    await expect(check({ model: "openai/toString" })).rejects.toThrow(InvalidModelError)
    await expect(check({ model: "openai/constructor" })).rejects.toThrow(InvalidModelError)
  })
})

describe("checkCall: compact's model", () => {
  it("takes the calling turn's model from the context, without reading the calling message", async () => {
    const { check, opencode, notices } = setup()
    const call = await check({}, "compact", { extra: { model: { id: "gpt-a", providerID: "openai" } } })
    expect(call.callerModel).toEqual({ providerID: "openai", modelID: "gpt-a" })
    expect(opencode.messageModel).not.toHaveBeenCalled()
    expect(notices).toEqual([])
  })

  it("reads the calling message's model when the context has none, and notes once that the host lacks it", async () => {
    const { check, opencode, host } = setup({ messageModel: { providerID: "anthropic", modelID: "claude-b" } })
    expect((await check({}, "compact", { extra: { model: { id: 7 } } })).callerModel).toEqual({ providerID: "anthropic", modelID: "claude-b" })
    expect(opencode.messageModel).toHaveBeenCalledExactlyOnceWith("ses_caller", "msg_1")
    expect(host.has("caller-model")).toBe(false)
  })

  it("refuses compact when neither the context nor the calling message has the model, and never asks for it in other modes", async () => {
    const { check, opencode } = setup()
    await refused(check({}, "compact"), SessionToolError, words.refusal.compactNeedsModel)
    await check({}, "message")
    expect(opencode.messageModel).toHaveBeenCalledOnce()
  })
})

describe("checkCall: isolation, reports and the loop guard", () => {
  it.each(["message", "compact"] as const)("refuses isolation worktree in mode %s", async (mode) => {
    const { check } = setup()
    await refused(
      check({ isolation: "worktree" }, mode, { extra: { model: { id: "m", providerID: "p" } } }),
      SessionToolError,
      words.refusal.isolationNotHere(mode),
    )
  })

  it("accepts isolation none in any mode, placing nothing", async () => {
    const { check, placement } = setup()
    expect((await check({ isolation: "none" }, "message")).isolation).toBeUndefined()
    expect((await check({ isolation: "none" }, "new")).isolation).toBeUndefined()
    expect(placement.check).not.toHaveBeenCalled()
  })

  it.each(["new", "fork"] as const)("asks the placement where a %s with isolation worktree goes, for the caller's step and directory", async (mode) => {
    const { check, placement } = setup()
    expect((await check({ isolation: "worktree" }, mode)).isolation).toEqual(CHECKOUT)
    expect(placement.check.mock.calls).toEqual([["ses_caller", "msg_1", "/repo/sub"]])
  })

  it("follows the isolation option unless the call says none, and passes no empty directory", async () => {
    const { check, placement } = setup({ options: { isolation: "worktree" } })
    expect((await check({ isolation: "none" }, "fork")).isolation).toBeUndefined()
    expect((await check({}, "message")).isolation).toBeUndefined()
    expect((await check({}, "new", { directory: "" })).isolation).toEqual(CHECKOUT)
    expect(placement.check.mock.calls).toEqual([["ses_caller", "msg_1", undefined]])
  })

  it.each([
    [undefined, {}, "none"],
    [undefined, { report: true, reports: "each" }, "each"],
    [true, {}, "together"],
    [true, { reports: "each" }, "each"],
    ["each", {}, "each"],
    [false, { report: true }, "none"],
  ] as const)("maps report %j with options %j to %s", async (report, options, expected) => {
    const { check } = setup({ options })
    expect((await check({ report }, "new")).report).toBe(expected)
  })

  it("refuses with the loop guard once the session's queue reaches the limit, before placing anything", async () => {
    const { check, book, placement } = setup({ maxTurns: 2 })
    const queue = () => book.enqueue({ kind: "message", sessionID: "ses_caller", agent: "plan", text: "x", from: { agent: "build", sessionID: "ses_caller" } })
    queue()
    expect((await check({ isolation: "worktree" }, "fork")).agent).toBe("build")
    queue()
    await refused(check({ isolation: "worktree" }, "fork"), LoopGuardError, words.refusal.loopGuard(2))
    expect(placement.check).toHaveBeenCalledOnce()
  })
})

describe("checkCall: depth", () => {
  it("gives a session started from the person's session depth 1, and one started from a depth-1 session depth 2", async () => {
    const { check } = setup({ depths: { ses_child: 1 } })
    expect((await check({}, "new")).depth).toBe(1)
    expect((await check({}, "fork", { sessionID: "ses_child" })).depth).toBe(2)
    expect((await check({}, "message")).depth).toBeUndefined()
  })

  it("refuses a start past maxDepth with the depth, the limit and the option, before placing anything", async () => {
    const { check, placement } = setup({ depths: { ses_deep: 2, ses_deeper: 4 } })
    await refused(check({ isolation: "worktree" }, "new", { sessionID: "ses_deep" }), SessionToolError, words.refusal.tooDeep(2, 2))
    expect(words.refusal.tooDeep(2, 2)).toMatch(/depth 2[\s\S]*depth 3, past the limit of 2 \(option maxDepth[\s\S]*Nothing was started/)
    expect(placement.check).not.toHaveBeenCalled()
    // A hand-off stays in its conversation: no depth to refuse.
    await expect(check({}, "message", { sessionID: "ses_deeper" })).resolves.toMatchObject({ agent: "build" })
    const { check: wider } = setup({ depths: { ses_deep: 2 }, options: { maxDepth: 3 } })
    expect((await wider({}, "fork", { sessionID: "ses_deep" })).depth).toBe(3)
  })
})
