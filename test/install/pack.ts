/**
 * The package as npm ships it (`npm pack` of the built checkout), and a variant whose TUI part
 * cannot load, for the tests that install it by name from a local registry (./registry.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { REPO_ROOT } from "../e2e/harness.js"
import { run } from "./run.js"

export type Packed = { tarball: string; version: string; remove(): void }

async function pack(folder: string, into: string): Promise<string> {
  const printed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", into], { cwd: folder })
  return join(into, (JSON.parse(printed) as Array<{ filename: string }>)[0]!.filename)
}

/** `npm pack` of this checkout as built (run `npm run build` first: `npm test` does). */
export async function packCheckout(): Promise<Packed> {
  const into = mkdtempSync(join(tmpdir(), "opencode-sessions-pack-"))
  const tarball = await pack(REPO_ROOT, into)
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version
  return { tarball, version, remove: () => rmSync(into, { recursive: true, force: true }) }
}

/**
 * The package with its TUI part shipped as uncompiled JSX, as 0.1.0 shipped it: OpenCode's TUI
 * cannot load that from its cache (it compiles JSX only outside node_modules). Same server part,
 * its own version, so a test can install it by `opencode-sessions@<version>`.
 */
export async function packWithUncompiledTui(packed: Packed): Promise<Packed> {
  const into = mkdtempSync(join(tmpdir(), "opencode-sessions-pack-jsx-"))
  await run("tar", ["xzf", packed.tarball, "-C", into])
  const folder = join(into, "package")
  const manifestPath = join(folder, "package.json")
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { version: string; exports: Record<string, { import: string }> }
  manifest.version = `${packed.version}-uncompiled-tui`
  manifest.exports["./tui"]!.import = "./dist/tui-jsx/index.jsx"
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2))
  mkdirSync(join(folder, "dist", "tui-jsx"), { recursive: true })
  writeFileSync(
    join(folder, "dist", "tui-jsx", "index.jsx"),
    `export default { id: "opencode-sessions", async tui(api) { api.slots.register({ slots: { sidebar_content() { return <text>Sessions</text> } } }) } }\n`,
  )
  const tarball = await pack(folder, into)
  return { tarball, version: manifest.version, remove: () => rmSync(into, { recursive: true, force: true }) }
}
