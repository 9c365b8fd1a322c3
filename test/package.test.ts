/** The published package: what npm would ship, and how OpenCode reads the module. */
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "./e2e/harness.js"

type PackedFile = { path: string }

describe("package", () => {
  it("ships the built plugin with its type declarations, and no sources or tests", () => {
    const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8" })
    const files = (JSON.parse(output) as Array<{ files: PackedFile[] }>)[0]!.files.map((file) => file.path)
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]))
    expect(files.filter((file) => !file.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(file))).toEqual([])
    expect(files.filter((file) => /\.test\.|\.map$/.test(file))).toEqual([])
  })

  it("exports one plugin in the form OpenCode reads: a default { id, server } and nothing else", async () => {
    const module = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as Record<string, unknown>
    expect(Object.keys(module)).toEqual(["default"])
    const plugin = module.default as { id: unknown; server: unknown }
    expect(plugin.id).toBe("opencode-sessions")
    expect(typeof plugin.server).toBe("function")
  })

  it("calls nothing on the server while its factory runs (OpenCode is not serving yet)", async () => {
    const { default: plugin } = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as {
      default: { server: (input: unknown, options?: unknown) => Promise<Record<string, unknown>> }
    }
    const touched: string[] = []
    const spy = (path: string): unknown =>
      new Proxy(() => undefined, {
        get: (_target, key) => spy(`${path}.${String(key)}`),
        apply: () => {
          touched.push(path)
          return Promise.resolve({ data: undefined })
        },
      })
    const hooks = await plugin.server({ client: spy("client") }, { maxAutomaticHandoffs: 4 })
    expect(touched).toEqual([])
    expect(Object.keys(hooks)).toEqual(expect.arrayContaining(["tool", "event", "chat.message", "tool.definition"]))
  })
})
