import { createHash } from "node:crypto"
import { existsSync, readdirSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import type { FileClaims } from "./claims.js"
import { currentOwner, isAlive, readOwner, writeAtomically } from "./files.js"

/**
 * Which sessions the plugin owes work (a hand-off to deliver, a start waiting for a place, a
 * report to send), a file each, so that after OpenCode stops it knows where to look again. Only
 * the where: what is owed is read back from OpenCode's store (core/lineage.ts). One folder per
 * directory OpenCode serves, as each plugin instance serves one.
 */
export class PendingCallers {
  private readonly folder: string
  private readonly marked = new Set<string>()

  constructor(
    home: string,
    directory: string,
    private readonly claims: FileClaims,
  ) {
    this.folder = join(home, "pending", createHash("sha256").update(resolve(directory)).digest("hex").slice(0, 16))
  }

  /** `sessionID` is owed work, by this process: on disk before the call that made it returns. */
  mark(sessionID: string): void {
    if (this.marked.has(sessionID)) return
    writeAtomically(this.path(sessionID), JSON.stringify(currentOwner()))
    this.marked.add(sessionID)
  }

  /** `sessionID` is owed nothing any more. */
  clear(sessionID: string): void {
    this.marked.delete(sessionID)
    rmSync(this.path(sessionID), { force: true })
  }

  /**
   * The sessions owed work by a process that has ended (a stop, a crash), or by an earlier copy of
   * the plugin in this one (OpenCode reloaded it): this process takes them over. Those a running
   * process owes stay with it; of several processes starting at once, one takes each.
   */
  takeOver(): string[] {
    if (!existsSync(this.folder)) return []
    const me = currentOwner()
    const taken: string[] = []
    for (const name of readdirSync(this.folder).filter((file) => file.endsWith(".json"))) {
      const sessionID = name.slice(0, -".json".length)
      const owner = readOwner(join(this.folder, name))
      const mine = owner?.pid === me.pid && owner.boot === me.boot
      if (owner && !mine && isAlive(owner)) continue
      if (!mine && !this.claims.claim(`take-over:${sessionID}:${owner?.pid ?? "unknown"}:${owner?.boot ?? ""}`)) continue
      writeAtomically(this.path(sessionID), JSON.stringify(me))
      this.marked.add(sessionID)
      taken.push(sessionID)
    }
    return taken
  }

  private path(sessionID: string): string {
    return join(this.folder, `${sessionID.replace(/[^A-Za-z0-9_-]/g, "_")}.json`)
  }
}
