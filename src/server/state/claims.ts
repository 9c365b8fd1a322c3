import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { currentOwner, isAlive, readOwner, type Owner } from "./files.js"

/** Claims older than this are removed: by then the store shows what they guarded. */
const KEPT_MS = 24 * 60 * 60 * 1000

/**
 * Claims shared by every OpenCode process on the same data: before the plugin sends something
 * another process could send too (a report, a hand-off it recovers), it claims it here, so that
 * only one sends it. A claim is a file created only if absent. One held by a process that has
 * ended is taken over (it may have ended before it sent); one held by a running process is not.
 */
export class FileClaims {
  constructor(private readonly folder: string) {}

  /** True if this process holds `key` now (newly, or already); false if a running process does. */
  claim(key: string): boolean {
    mkdirSync(this.folder, { recursive: true })
    const path = join(this.folder, safe(key))
    const owner = currentOwner()
    if (this.create(path, owner)) return true
    const holder = readOwner(path)
    if (holder && holder.pid === owner.pid && holder.boot === owner.boot) return true
    if (holder ? isAlive(holder) : justMade(path)) return false
    // Its holder has ended: take it over. Only one process's rename of the old claim succeeds.
    try {
      renameSync(path, `${path}.ended.${owner.pid}`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false
      throw error
    }
    rmSync(`${path}.ended.${owner.pid}`, { force: true })
    return this.create(path, owner)
  }

  /** Gives up a claim this process holds (what it guarded was not sent after all). */
  release(key: string): void {
    const path = join(this.folder, safe(key))
    const holder = readOwner(path)
    if (holder && holder.pid === process.pid) rmSync(path, { force: true })
  }

  /** Removes claims old enough that the store shows what they guarded. */
  tidy(now = Date.now()): void {
    if (!existsSync(this.folder)) return
    for (const name of readdirSync(this.folder)) {
      const path = join(this.folder, name)
      if (now - statSync(path).mtimeMs > KEPT_MS) rmSync(path, { force: true })
    }
  }

  private create(path: string, owner: Owner): boolean {
    try {
      writeFileSync(path, JSON.stringify(owner), { flag: "wx" })
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false
      throw error
    }
  }
}

/** A claim file too new to have been written yet: its maker is surely still at it. */
function justMade(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 10_000
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false
    throw error
  }
}

/** A file name for any key, however long: its hash. */
function safe(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 40)
}
