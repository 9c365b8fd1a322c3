/** The published package: what npm would ship, and how OpenCode reads the module. */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { parseSync } from "@babel/core"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "./e2e/harness.js"

type PackedFile = { path: string }

describe("package", () => {
  it("ships the built plugin with its type declarations, and no sources or tests", () => {
    const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8" })
    const files = (JSON.parse(output) as Array<{ files: PackedFile[] }>)[0]!.files.map((file) => file.path)
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/tui/index.js"]))
    expect(files.filter((file) => !file.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(file))).toEqual([])
    expect(files.filter((file) => /\.test\.|\.map$/.test(file))).toEqual([])
  })

  it("exports one plugin function and nothing else: the shape every OpenCode release loads", async () => {
    // 1.0–1.3 call every export as a plugin function; an object export stops 1.0 and 1.1 from starting.
    const module = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as Record<string, unknown>
    expect(Object.keys(module)).toEqual(["default"])
    expect(typeof module.default).toBe("function")
  })

  it("has a TUI entry OpenCode's TUI loads from its cache: plain JavaScript, a default { id, tui }, the host's UI runtime", async () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      exports: Record<string, { import: string }>
      dependencies?: Record<string, string>
    }
    expect(manifest.exports["./tui"]?.import).toBe("./dist/tui/index.js")
    expect(manifest.exports["./server"]?.import).toBe("./dist/index.js")
    // OpenCode compiles JSX only outside node_modules, where an installed package never is.
    const folder = join(REPO_ROOT, "dist", "tui")
    expect(readdirSync(folder).filter((name) => /\.[jt]sx$/.test(name))).toEqual([])
    const imported = new Set<string>()
    for (const name of readdirSync(folder).filter((file) => file.endsWith(".js"))) {
      const code = readFileSync(join(folder, name), "utf8")
      expect(() => parseSync(code, { sourceType: "module", configFile: false, babelrc: false }), name).not.toThrow()
      for (const match of code.matchAll(/^import [^"']*["']([^"']+)["']/gm)) imported.add(match[1]!)
    }
    // The UI runtime is the host's (it maps these to its own copies); the rest is this package's own.
    expect([...imported].filter((specifier) => !specifier.startsWith(".")).sort()).toEqual(["@opentui/solid", "solid-js"])
    expect(manifest.dependencies ?? {}).toEqual({})
    const entry = readFileSync(join(folder, "index.js"), "utf8")
    expect(entry).toMatch(/id: PACKAGE_NAME/)
    expect(entry).toMatch(/async tui\(api\)/)
    expect(entry).toMatch(/export default plugin;?\s*$/)
    expect(entry).not.toMatch(/\bserver\s*[:(]/)
  })

  it("never throws into OpenCode while loading: a plugin that cannot start leaves no hooks and says why", async () => {
    const { default: plugin } = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as {
      default: (input: unknown, options?: unknown) => Promise<Record<string, unknown>>
    }
    const said: string[] = []
    const original = console.error
    console.error = (...args: unknown[]) => void said.push(args.join(" "))
    try {
      await expect(plugin(null)).resolves.toEqual({})
    } finally {
      console.error = original
    }
    expect(said.join("\n")).toMatch(/opencode-sessions: not loaded, the session tool is off: /)
  })

  it("calls nothing on the server while its factory runs (OpenCode is not serving yet)", async () => {
    const { default: plugin } = (await import(pathToFileURL(join(REPO_ROOT, "dist", "index.js")).href)) as {
      default: (input: unknown, options?: unknown) => Promise<Record<string, unknown>>
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
    const hooks = await plugin({ client: spy("client"), directory: "/nowhere" }, { maxAutomaticHandoffs: 4 })
    expect(touched).toEqual([])
    expect(Object.keys(hooks)).toEqual(expect.arrayContaining(["tool", "event", "chat.message", "tool.definition"]))
  })
})
