import { existsSync, readFileSync } from "node:fs"
import { configFiles, parseJsonc, type Environment } from "../host/config-files.js"
import type { PermissionConfig } from "../host/opencode.js"

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

/**
 * The permission rules as the person wrote them, read from OpenCode's configuration files.
 * Some releases (1.0) drop keys they do not know, `permission.session` among them, before any
 * plugin can see the configuration: their rules then exist only in the files. The files are
 * read in OpenCode's order (global, OPENCODE_CONFIG, the project's from its root down to the
 * working directory, `.opencode/` folders, OPENCODE_CONFIG_CONTENT, OPENCODE_PERMISSION) and
 * merged the way OpenCode merges them: later values win, objects merge key by key.
 *
 * A file that cannot be parsed is named in the error.
 */
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
