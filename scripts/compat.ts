/**
 * `npm run test:compat [-- 1.0.185 1.14.41 …]`: the compatibility suite (test/compat) on real
 * OpenCode releases, one of each supported line by default (test/compat/releases.ts).
 *
 * The plugin under test is the packed package (npm pack), as a person would install it.
 * Each release is installed as `opencode-ai@<version>` into .scratch/opencode/<version> (once;
 * later runs reuse it). A release whose binary cannot be had for this machine (some lack a
 * platform package on the registry) is skipped, and said so, never silently.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { REPO_ROOT } from "../test/e2e/harness.js"
import { RELEASES } from "../test/compat/releases.js"

type Outcome = { version: string; result: "passed" | "failed" | "skipped"; detail: string }

function install(version: string): { bin?: string; problem?: string } {
  const folder = join(REPO_ROOT, ".scratch", "opencode", version)
  const bin = join(folder, "node_modules", ".bin", "opencode")
  if (!existsSync(bin)) {
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, "package.json"), JSON.stringify({ private: true }))
    console.log(`Installing opencode-ai@${version}…`)
    const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `opencode-ai@${version}`], { cwd: folder, encoding: "utf8" })
    if (installed.status !== 0) return { problem: `npm install opencode-ai@${version} failed: ${installed.stderr.trim().split("\n").slice(-3).join(" ")}` }
  }
  try {
    const printed = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 60_000 }).trim().split("\n").at(-1)
    // Without its own platform package, the launcher can find another release's binary further up.
    if (printed !== version)
      return { problem: `opencode-ai@${version} brought no binary for ${process.platform}-${process.arch} (its launcher ran ${printed} from elsewhere)` }
  } catch (error) {
    return {
      problem: `no working OpenCode binary for ${process.platform}-${process.arch} (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    }
  }
  return { bin }
}

/**
 * The package exactly as `npm pack` makes it, unpacked under .scratch: what a person installs.
 * Its imports resolve through the folders above it, so this checkout's node_modules serve them.
 */
function packed(): string {
  const folder = join(REPO_ROOT, ".scratch", "packed")
  rmSync(folder, { recursive: true, force: true })
  mkdirSync(folder, { recursive: true })
  const output = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", folder], { cwd: REPO_ROOT, encoding: "utf8" })
  const tarball = (JSON.parse(output) as Array<{ filename: string }>)[0]!.filename
  execFileSync("tar", ["xzf", join(folder, tarball), "-C", folder])
  return join(folder, "package")
}

const wanted = process.argv.slice(2)
const packageDir = packed()
console.log(`Testing the packed package: ${packageDir}`)
const versions = wanted.length ? wanted : RELEASES.map((release) => release.version)
const outcomes: Outcome[] = []
for (const version of versions) {
  const { bin, problem } = install(version)
  if (!bin) {
    console.log(`\nSKIPPED OpenCode ${version}: ${problem}`)
    outcomes.push({ version, result: "skipped", detail: problem ?? "" })
    continue
  }
  console.log(`\n── OpenCode ${version} ──`)
  const started = Date.now()
  const run = spawnSync("npx", ["vitest", "run", "test/compat"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, OPENCODE_BIN: bin, OPENCODE_SESSIONS_PACKAGE: packageDir },
  })
  const seconds = Math.round((Date.now() - started) / 1000)
  outcomes.push({ version, result: run.status === 0 ? "passed" : "failed", detail: `${seconds} s` })
}

console.log("\nCompatibility:")
for (const outcome of outcomes) console.log(`  OpenCode ${outcome.version.padEnd(9)} ${outcome.result.padEnd(8)} ${outcome.detail}`)
const passed = outcomes.filter((outcome) => outcome.result === "passed").length
const failed = outcomes.filter((outcome) => outcome.result === "failed").length
const skipped = outcomes.length - passed - failed
console.log(`compat: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 ? 1 : 0)
