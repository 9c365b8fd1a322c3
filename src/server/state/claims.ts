import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { shared } from "../host/process.js"
import { currentOwner, errorCode, isAlive, readOwner, type Owner } from "./files.js"

/** Claims older than this are removed: by then the store shows what they guarded. */
const KEPT_MS = 24 * 60 * 60 * 1000

/**
 * Claims of what only one may send (a report, a hand-off or follow-up it recovers, a start):
 * among the copies of the plugin in this process (1.0 runs two for one project, and both hear
 * the same turn end), and among the OpenCode processes on the same data (a file created only
 * if absent). One held by a process that has ended is taken over (it may have ended before it
 * sent); one held by a running process is not.
 */
export class Claims {
  private readonly process = shared().claimed

  constructor(
    private readonly folder: string,
    /** Hears of a claim file that names no owner (it is taken over, as one whose holder ended). */
    private readonly skipped?: (why: string) => void,
  ) {}

  /** Claims all of `keys` for one copy of the plugin in this process, or none if another copy holds one. */
  inProcess(keys: readonly string[]): boolean {
    if (keys.some((key) => this.process.has(key))) return false
    for (const key of keys) this.process.add(key)
    return true
  }

  /** Some copy of the plugin in this process holds `key`. */
  heldInProcess(key: string): boolean {
    return this.process.has(key)
  }

  /** True if this process holds `key` among the processes on the same data (newly, or already); false if a running process does. */
  claim(key: string): boolean {
    mkdirSync(this.folder, { recursive: true })
    const path = join(this.folder, safe(key))
    const owner = currentOwner()
    if (this.create(path, owner)) return true
    const holder = readOwner(path, this.skipped)
    if (holder && holder.pid === owner.pid && holder.boot === owner.boot) return true
    if (holder ? isAlive(holder) : justMade(path)) return false
    // Its holder has ended: take it over. Only one process's rename of the old claim succeeds.
    try {
      renameSync(path, `${path}.ended.${owner.pid}`)
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false
      throw error
    }
    rmSync(`${path}.ended.${owner.pid}`, { force: true })
    return this.create(path, owner)
  }

  /** Gives up claims this process holds (what they guarded was not sent after all): `keys` in this process, `key` among processes. */
  release(keys: readonly string[], key: string): void {
    for (const one of keys) this.process.delete(one)
    const path = join(this.folder, safe(key))
    const holder = readOwner(path, this.skipped)
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
      if (errorCode(error) === "EEXIST") return false
      throw error
    }
  }
}

/** A claim file too new to have been written yet: its maker is surely still at it. */
function justMade(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 10_000
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
}

/** A file name for any key, however long: its hash. */
function safe(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 40)
}
