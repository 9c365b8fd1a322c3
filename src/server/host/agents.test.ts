import { describe, expect, it, vi } from "vitest"
import { AgentCatalog, REFRESH_AFTER_MS, checkTarget, handoffTargets } from "./agents.js"
import { InvalidAgentError } from "./errors.js"
import type { AgentInfo, Opencode } from "./opencode.js"

function agent(name: string, mode: AgentInfo["mode"], hidden?: boolean): AgentInfo {
  return { name, mode, hidden, builtIn: true, permission: { edit: "allow", bash: {} }, tools: {}, options: {} }
}

const AGENTS = [
  agent("build", "primary"),
  agent("plan", "primary"),
  agent("both", "all"),
  agent("general", "subagent"),
  agent("title", "primary", true),
  agent("secret-all", "all", true),
]

function refusal(name: string): InvalidAgentError {
  try {
    checkTarget(AGENTS, name)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAgentError)
    return error as InvalidAgentError
  }
  throw new Error(`checkTarget accepted "${name}"`)
}

describe("handoffTargets", () => {
  it("keeps primary and all-mode agents and drops subagents and hidden agents", () => {
    expect(handoffTargets(AGENTS).map((a) => a.name)).toEqual(["build", "plan", "both"])
  })
})

describe("checkTarget", () => {
  it("returns a valid target agent", () => {
    expect(checkTarget(AGENTS, "plan").name).toBe("plan")
    expect(checkTarget(AGENTS, "both").mode).toBe("all")
  })

  it("refuses an unknown agent and lists the valid ones", () => {
    const error = refusal("nope")
    expect(error.message).toContain('"nope" does not exist or is disabled')
    expect(error.message).toContain("Valid agents: build, plan, both.")
  })

  it("refuses a hidden agent", () => {
    expect(refusal("title").message).toContain('"title" is hidden')
    expect(refusal("secret-all").message).toContain("is hidden")
  })

  it("refuses a subagent and lists the valid ones", () => {
    const error = refusal("general")
    expect(error.message).toContain('"general" is a subagent')
    expect(error.message).toContain("Valid agents: build, plan, both.")
  })

  it("says (none) when no agent is a valid target", () => {
    expect(() => checkTarget([agent("general", "subagent")], "x")).toThrow("Valid agents: (none).")
  })
})

type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void }

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A fake server whose `agents()` answers are released one by one by the test. */
function fakeServer() {
  const calls: Deferred<AgentInfo[]>[] = []
  const agents = vi.fn(() => {
    const call = deferred<AgentInfo[]>()
    calls.push(call)
    return call.promise
  })
  return { opencode: { agents } as unknown as Opencode, calls, agents }
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe("AgentCatalog.recent", () => {
  it("waits for the server the first time", async () => {
    const server = fakeServer()
    const catalog = new AgentCatalog(server.opencode, () => {})
    let settled = false
    const first = catalog.recent().then((list) => {
      settled = true
      return list
    })
    await flush()
    expect(settled).toBe(false)
    server.calls[0]?.resolve([agent("build", "primary")])
    expect((await first).map((a) => a.name)).toEqual(["build"])
  })

  it("afterwards answers from the cache at once; asks again in the background once the list is a second old", async () => {
    const server = fakeServer()
    let clock = 0
    const catalog = new AgentCatalog(
      server.opencode,
      () => {},
      () => clock,
    )
    const first = catalog.recent()
    server.calls[0]?.resolve([agent("build", "primary")])
    await first

    // Fresh: answered from the cache, nothing asked.
    await catalog.recent()
    catalog.known()
    expect(server.agents).toHaveBeenCalledTimes(1)

    // A second later: the refresh is still pending, yet recent() answers with the cached list.
    clock += REFRESH_AFTER_MS
    const second = await catalog.recent()
    expect(second.map((a) => a.name)).toEqual(["build"])
    expect(server.agents).toHaveBeenCalledTimes(2)

    // A call while that refresh is running does not start another.
    await catalog.recent()
    expect(server.agents).toHaveBeenCalledTimes(2)

    server.calls[1]?.resolve([agent("build", "primary"), agent("plan", "primary")])
    await flush()
    expect((await catalog.recent()).map((a) => a.name)).toEqual(["build", "plan"])
  })

  it("passes a failed background refresh to onRefreshError and keeps the cached list", async () => {
    const unhandled = vi.fn()
    process.on("unhandledRejection", unhandled)
    try {
      const server = fakeServer()
      const onRefreshError = vi.fn()
      let clock = 0
      const catalog = new AgentCatalog(server.opencode, onRefreshError, () => clock)
      const first = catalog.recent()
      server.calls[0]?.resolve([agent("build", "primary")])
      await first

      clock += REFRESH_AFTER_MS
      await catalog.recent()
      const failure = new Error("server gone")
      server.calls[1]?.reject(failure)
      await flush()
      await flush()

      expect(onRefreshError).toHaveBeenCalledTimes(1)
      expect(onRefreshError).toHaveBeenCalledWith(failure)
      expect(unhandled).not.toHaveBeenCalled()
      expect((await catalog.recent()).map((a) => a.name)).toEqual(["build"])
    } finally {
      process.off("unhandledRejection", unhandled)
    }
  })

  it("rejects to the caller when the very first request fails, and retries next time", async () => {
    const server = fakeServer()
    const onRefreshError = vi.fn()
    const catalog = new AgentCatalog(server.opencode, onRefreshError)
    const first = catalog.recent()
    server.calls[0]?.reject(new Error("not ready"))
    await expect(first).rejects.toThrow("not ready")
    expect(onRefreshError).not.toHaveBeenCalled()

    const second = catalog.recent()
    expect(server.agents).toHaveBeenCalledTimes(2)
    server.calls[1]?.resolve([agent("plan", "primary")])
    expect((await second).map((a) => a.name)).toEqual(["plan"])
  })
})

describe("AgentCatalog.current", () => {
  it("asks the server once for calls made while an answer is on its way, and again afterwards", async () => {
    const server = fakeServer()
    const catalog = new AgentCatalog(server.opencode, () => {})
    const together = [catalog.current(), catalog.current(), catalog.current()]
    expect(server.agents).toHaveBeenCalledTimes(1)
    server.calls[0]?.resolve([agent("plan", "primary")])
    expect((await Promise.all(together)).map((list) => list.map((a) => a.name))).toEqual([["plan"], ["plan"], ["plan"]])

    const later = catalog.current()
    expect(server.agents).toHaveBeenCalledTimes(2)
    server.calls[1]?.resolve([agent("build", "primary")])
    expect((await later).map((a) => a.name)).toEqual(["build"])
  })
})
