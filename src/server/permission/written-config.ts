import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import type { PermissionConfig } from "../opencode/client.js"

/**
 * The permission rules as the person wrote them, read from OpenCode's configuration files.
 * Some releases (1.0) drop keys they do not know, `permission.session` among them, before any
 * plugin can see the configuration: their rules then exist only in the files. The files are
 * read in OpenCode's order (global, OPENCODE_CONFIG, the project's from its root down to the
 * working directory, `.opencode/` folders, OPENCODE_CONFIG_CONTENT, OPENCODE_PERMISSION) and
 * merged the way OpenCode merges them: later values win, objects merge key by key.
 */
export type Environment = Record<string, string | undefined>

export function configFiles(env: Environment, directory: string, worktree: string | undefined): string[] {
  const global = join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "opencode")
  const files = ["config.json", "opencode.json", "opencode.jsonc"].map((name) => join(global, name))
  if (env.OPENCODE_CONFIG) files.push(resolve(env.OPENCODE_CONFIG))
  const folders = projectFolders(directory, worktree)
  for (const folder of folders) files.push(join(folder, "opencode.jsonc"), join(folder, "opencode.json"))
  for (const folder of [global, ...folders]) files.push(join(folder, ".opencode", "opencode.jsonc"), join(folder, ".opencode", "opencode.json"))
  if (env.OPENCODE_CONFIG_DIR) files.push(join(env.OPENCODE_CONFIG_DIR, "opencode.jsonc"), join(env.OPENCODE_CONFIG_DIR, "opencode.json"))
  return files
}

/** From the project's root (its worktree, if the directory is inside it) down to the directory. */
function projectFolders(directory: string, worktree: string | undefined): string[] {
  const start = resolve(directory)
  const root = worktree && !relative(resolve(worktree), start).startsWith("..") ? resolve(worktree) : start
  const folders = [start]
  for (let folder = start; folder !== root && dirname(folder) !== folder; ) {
    folder = dirname(folder)
    folders.unshift(folder)
  }
  return folders
}

/** JSON with comments and trailing commas, as OpenCode accepts it. */
export function parseJsonc(text: string): unknown {
  let out = ""
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (char === '"') {
      const end = stringEnd(text, index)
      out += text.slice(index, end)
      index = end - 1
    } else if (char === "/" && text[index + 1] === "/") {
      while (index < text.length && text[index] !== "\n") index++
      out += "\n"
    } else if (char === "/" && text[index + 1] === "*") {
      const end = text.indexOf("*/", index + 2)
      index = end < 0 ? text.length : end + 1
    } else out += char
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"))
}

function stringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === "\\") index++
    else if (text[index] === '"') return index + 1
  }
  return text.length
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

export function mergeDeep(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) merged[key] = mergeDeep(base[key], value)
  return merged
}

/** Only `permission` and `agent.*.permission` are kept: nothing else is needed here. */
function permissionsOnly(config: unknown): PermissionConfig {
  if (!isObject(config)) return {}
  const agents = isObject(config.agent) ? config.agent : {}
  const agent = Object.fromEntries(
    Object.entries(agents)
      .filter(([, value]) => isObject(value) && value.permission !== undefined)
      .map(([name, value]) => [name, { permission: (value as Record<string, unknown>).permission }]),
  )
  return { permission: config.permission, agent }
}

/** Reads and merges the files; a file that cannot be parsed is named in the error. */
export function readWrittenPermissions(env: Environment, directory: string, worktree: string | undefined): PermissionConfig {
  let merged: unknown = {}
  for (const file of configFiles(env, directory, worktree)) {
    if (!existsSync(file)) continue
    try {
      merged = mergeDeep(merged, permissionsOnly(parseJsonc(readFileSync(file, "utf8"))))
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  if (env.OPENCODE_CONFIG_CONTENT) merged = mergeDeep(merged, permissionsOnly(parseJsonc(env.OPENCODE_CONFIG_CONTENT)))
  if (env.OPENCODE_PERMISSION) merged = mergeDeep(merged, { permission: parseJsonc(env.OPENCODE_PERMISSION) })
  return merged as PermissionConfig
}
