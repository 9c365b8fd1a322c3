// Adds to package-lock.json the optional, platform-specific packages that npm left out
// (opencode-ai's binaries for other systems, msgpackr-extract's prebuilds): the registry this
// project is built against does not serve all of them, so `npm install` cannot read their
// manifests and drops them, and then `npm ci` refuses the lockfile as out of sync. Each entry
// is marked optional with the platform its name says, so npm skips it everywhere else.
// Run it after `npm install` changes the lockfile: `node scripts/lockfile-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs"

const path = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(path, "utf8"))

function platformOf(name) {
  const base = name.split("/").at(-1)
  const os = base.includes("darwin") ? "darwin" : base.includes("windows") || base.includes("win32") ? "win32" : "linux"
  const cpu = base.includes("arm64") ? "arm64" : base.endsWith("-arm") ? "arm" : "x64"
  return { os: [os], cpu: [cpu], ...(base.includes("musl") ? { libc: ["musl"] } : {}) }
}

const added = []
for (const [, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (lock.packages[key]) continue
    lock.packages[key] = { version, dev: entry.dev ?? false, optional: true, ...platformOf(name) }
    added.push(name)
  }
}
if (added.length === 0) {
  console.log("nothing to add")
} else {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b)))
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
  console.log(`added ${added.length}: ${added.join(", ")}`)
}
