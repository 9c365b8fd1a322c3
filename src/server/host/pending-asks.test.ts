/** What sessions ask the person now, as OpenCode lists it (1.1 and later): read after a restart of the plugin, parsed item by item. */
import { describe, expect, it } from "vitest"
import type { PluginInput } from "@opencode-ai/plugin"
import { Opencode } from "./opencode.js"

type Answer = { data?: unknown; response?: { ok: boolean; status: number } }

/** A client whose own transport answers GET /permission and /question with these. */
function clientAnswering(routes: Record<string, Answer>): PluginInput["client"] {
  const transport = {
    post: async () => ({ response: { ok: false, status: 500 } }),
    get: async ({ url }: { url: string }) => routes[url] ?? { response: { ok: false, status: 404 } },
  }
  return { _client: transport } as unknown as PluginInput["client"]
}

const ok = (data: unknown): Answer => ({ data, response: { ok: true, status: 200 } })

describe("Opencode.pendingAsks", () => {
  it("reads the permissions and questions pending, each by its schema, leaving out what does not parse", async () => {
    const opencode = new Opencode(
      clientAnswering({
        "/permission": ok([
          { id: "per_1", sessionID: "ses_a", permission: "bash", patterns: ["npm test"], metadata: {}, always: [] },
          { id: "per_bad", sessionID: "ses_a" },
        ]),
        "/question": ok([{ id: "que_1", sessionID: "ses_b", questions: [{ question: "Which one?", header: "H", options: [] }] }]),
      }),
    )
    expect(await opencode.pendingAsks()).toEqual([
      { sessionID: "ses_a", ask: { id: "per_1", kind: "permission", what: "bash: npm test" } },
      { sessionID: "ses_b", ask: { id: "que_1", kind: "question", what: "Which one?" } },
    ])
  })

  it("is undefined where OpenCode has no list (1.0 answers 404), and has the permissions where it lists no questions", async () => {
    expect(await new Opencode(clientAnswering({})).pendingAsks()).toBeUndefined()
    const permissionsOnly = new Opencode(clientAnswering({ "/permission": ok([]) }))
    expect(await permissionsOnly.pendingAsks()).toEqual([])
  })
})
