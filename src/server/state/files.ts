import { randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { homedir, uptime } from "node:os"
import { dirname, join } from "node:path"
import { z, type Infer } from "../../core/schema.js"

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
export const Owner = z.object({ pid: z.number().int(), boot: z.number() })
export type Owner = Infer<typeof Owner>

/** The code of a failed file operation (ENOENT, EEXIST…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined
}

/** When this machine booted, to the minute: a process id seen before a reboot names no living process. */
function bootMinute(): number {
  return Math.round((Date.now() - uptime() * 1000) / 60_000)
}

/**
 * The owner a file of ours names; undefined if it is gone meanwhile, caught between its creation
 * and its first write, or not an owner at all: held (or owed) by nobody known.
 */
export function readOwner(path: string, skipped?: (why: string) => void): Owner | undefined {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined
    throw error
  }
  if (text === "") return undefined
  const owner = Owner.safeParse(parseJson(text))
  if (!owner.success) skipped?.(`${path} names no owner (${owner.error.issues.map((issue) => issue.message).join("; ")})`)
  return owner.data
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON at all: the schema says so, with the rest.
    return text
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
    return errorCode(error) === "EPERM"
  }
}
