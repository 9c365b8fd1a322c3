import { createHash } from "node:crypto"
import { existsSync, readdirSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { describeError } from "../host/errors.js"
import type { Notifier } from "../host/notify.js"
import type { Claims } from "./claims.js"
import { currentOwner, isAlive, readOwner, writeAtomically } from "./files.js"

/**
 * Which sessions the plugin owes work (a hand-off to deliver, a start waiting for a place, a
 * report to send), a file each, so that after OpenCode stops it knows where to look again. Only
 * the where: what is owed is read back from OpenCode's store (core/lineage.ts). One folder per
 * directory OpenCode serves, as each plugin instance serves one. A session is marked when the
 * tool accepts work for it, before the call returns, and cleared once nothing is owed to it.
 */
export class PendingCallers {
  private readonly folder: string
  private readonly marked = new Set<string>()

  constructor(
    home: string,
    directory: string,
    private readonly deps: { claims: Claims; notifier: Notifier; owed: { owes(sessionID: string): boolean } },
  ) {
    this.folder = join(home, "pending", createHash("sha256").update(resolve(directory)).digest("hex").slice(0, 16))
  }

  /** Work for `sessionID` was accepted; if it cannot be noted, it still happens, but would not survive a stop: said. */
  mark(sessionID: string): void {
    if (this.marked.has(sessionID)) return
    try {
      writeAtomically(this.path(sessionID), JSON.stringify(currentOwner()))
      this.marked.add(sessionID)
    } catch (error) {
      this.deps.notifier.error(`Could not note work owed to ${sessionID} (it would not be resumed if OpenCode stopped now): ${describeError(error)}`, {
        sessionID,
      })
    }
  }

  /** Something owed to `sessionID` was done: its note goes if nothing is owed any more. */
  settle(sessionID: string): void {
    if (!this.deps.owed.owes(sessionID)) this.clear(sessionID)
  }

  /** `sessionID` is owed nothing any more (or is gone). */
  clear(sessionID: string): void {
    // Only a note this process wrote or took over is its to remove (settling runs at every change: no file work for nothing).
    if (!this.marked.delete(sessionID)) return
    try {
      rmSync(this.path(sessionID), { force: true })
    } catch (error) {
      this.deps.notifier.warn(`Could not clear the note of work owed to ${sessionID}: ${describeError(error)}`, { sessionID })
    }
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
      const owner = readOwner(join(this.folder, name), (why) => this.deps.notifier.debug(`Pending note taken over: ${why}`))
      const mine = owner?.pid === me.pid && owner.boot === me.boot
      if (owner && !mine && isAlive(owner)) continue
      if (!mine && !this.deps.claims.claim(`take-over:${sessionID}:${owner?.pid ?? "unknown"}:${owner?.boot ?? ""}`)) continue
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
