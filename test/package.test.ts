/** The published package: what npm would ship, and how OpenCode reads the module. */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { parseSync } from "@babel/core"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "./e2e/harness.js"

type Packed = { version: string; size: number; unpackedSize: number; files: Array<{ path: string }> }
type Manifest = { version: string; repository?: { type?: string; url?: string }; bugs?: { url?: string }; homepage?: string }

// What 2.0.0 packed on 2026-12-06: 158,286 bytes as a tarball, 566,188 unpacked (156 files).
// The limits are about 30% above, so the package can grow, but an accidental inclusion fails.
const MAX_TARBALL_BYTES = 205_000
const MAX_UNPACKED_BYTES = 740_000

let packedOnce: Packed | undefined
/** What `npm pack` would publish, as npm itself lists it (nothing is written). */
function packed(): Packed {
  if (!packedOnce) {
    const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8" })
    packedOnce = (JSON.parse(output) as Packed[])[0]!
  }
  return packedOnce
}

const readManifest = (): Manifest => JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Manifest

describe("package", () => {
  it("ships the built plugin, package.json, README.md, LICENSE and CHANGELOG.md, and nothing else", () => {
    const files = packed().files.map((file) => file.path)
    expect(files.filter((file) => !file.startsWith("dist/")).sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "package.json"])
    expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/tui/index.js", "dist/tui/index.d.ts"]))
    // Built code and its declarations only: no sources (.ts, .tsx, .jsx), tests, maps or scripts under dist.
    expect(files.filter((file) => file.startsWith("dist/") && !/\.(js|d\.ts)$/.test(file))).toEqual([])
    expect(files.filter((file) => /\.test\.|\.spec\.|\.map$|(^|\/)(src|test|scripts|docs)\//.test(file))).toEqual([])
  })

  it("stays small: the tarball and what it unpacks to are under their limits", () => {
    const { size, unpackedSize } = packed()
    expect(size, `tarball ${size} bytes; limit ${MAX_TARBALL_BYTES}`).toBeLessThanOrEqual(MAX_TARBALL_BYTES)
    expect(unpackedSize, `unpacked ${unpackedSize} bytes; limit ${MAX_UNPACKED_BYTES}`).toBeLessThanOrEqual(MAX_UNPACKED_BYTES)
  })

  it("is 2.0.0 or later, the successor of 1.0.0, and says where it lives and where to report bugs", () => {
    const { version, repository, bugs, homepage } = readManifest()
    const [major = 0] = version.split(".").map(Number)
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    expect(major, `version ${version}`).toBeGreaterThanOrEqual(2)
    expect(packed().version).toBe(version)
    expect(repository?.type).toBe("git")
    const owner = /^git\+https:\/\/github\.com\/([\w.-]+)\/opencode-sessions\.git$/.exec(repository?.url ?? "")?.[1]
    expect(owner, `repository.url ${repository?.url}`).toBeDefined()
    expect(bugs?.url).toBe(`https://github.com/${owner}/opencode-sessions/issues`)
    expect(homepage).toBe(`https://github.com/${owner}/opencode-sessions#readme`)
  })

  it("has a changelog whose first entry is this version, with a section for people coming from 1.0.0", () => {
    const changelog = readFileSync(join(REPO_ROOT, "CHANGELOG.md"), "utf8")
    const entries = changelog.split(/^(?=## )/m).filter((part) => part.startsWith("## "))
    expect(entries.length).toBeGreaterThan(0)
    const first = entries[0]!
    expect(/^## v?(\S+)/.exec(first)?.[1]).toBe(readManifest().version)
    expect(first).toMatch(/^#+ Coming from 1\.0\.0$/m)
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
