import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { homedir, uptime } from "node:os"
import { dirname, join } from "node:path"

/**
 * The plugin's own folder, under OpenCode's data folder: only what OpenCode's store cannot hold
 * goes here (which callers have work pending, for after a restart; claims shared by processes).
 */
export function stateHome(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "opencode", "opencode-sessions")
}

/** Writes a file whole or not at all: a reader never sees half of it. */
export function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  writeFileSync(temporary, content)
  renameSync(temporary, path)
}

/** Who holds a file of ours: this process, on this boot of the machine. */
export type Owner = { pid: number; boot: number }

/** When this machine booted, to the minute: a process id seen before a reboot names no living process. */
function bootMinute(): number {
  return Math.round((Date.now() - uptime() * 1000) / 60_000)
}

/**
 * The owner a file of ours names; undefined if it is gone meanwhile, or caught between its
 * creation and its first write: held (or owed) by nobody known.
 */
export function readOwner(path: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Owner
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return undefined
    throw error
  }
}

export function currentOwner(): Owner {
  return { pid: process.pid, boot: bootMinute() }
}

/** The owner's process still runs (on this boot); a process we may not signal counts as running. */
export function isAlive(owner: Owner): boolean {
  if (Math.abs(owner.boot - bootMinute()) > 1) return false
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
