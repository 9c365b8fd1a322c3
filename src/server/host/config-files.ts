import { homedir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"

/**
 * Where OpenCode reads its configuration files from, in its order, for the plugin's own reading
 * of them as the person wrote them (see permission/written-config.ts and host/tui-part.ts).
 */
export type Environment = Record<string, string | undefined>

/** OpenCode's global config folder (`~/.config/opencode`, or under XDG_CONFIG_HOME). */
export function globalConfigFolder(env: Environment): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "opencode")
}

/** OpenCode's state folder (`~/.local/state/opencode`, or under XDG_STATE_HOME): the TUI keeps its kv.json there. */
export function globalStateFolder(env: Environment): string {
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "opencode")
}

/** `opencode.json(c)`: global, OPENCODE_CONFIG, the project's from its root down to the directory, `.opencode/` folders, OPENCODE_CONFIG_DIR. */
export function configFiles(env: Environment, directory: string, worktree: string | undefined): string[] {
  const global = globalConfigFolder(env)
  const files = ["config.json", "opencode.json", "opencode.jsonc"].map((name) => join(global, name))
  if (env.OPENCODE_CONFIG) files.push(resolve(env.OPENCODE_CONFIG))
  const folders = projectFolders(directory, worktree)
  for (const folder of folders) files.push(join(folder, "opencode.jsonc"), join(folder, "opencode.json"))
  for (const folder of [global, ...folders]) files.push(join(folder, ".opencode", "opencode.jsonc"), join(folder, ".opencode", "opencode.json"))
  if (env.OPENCODE_CONFIG_DIR) files.push(join(env.OPENCODE_CONFIG_DIR, "opencode.jsonc"), join(env.OPENCODE_CONFIG_DIR, "opencode.json"))
  return files
}

/** `tui.json(c)`, which lists TUI plugins: global, OPENCODE_TUI_CONFIG, the project's folders, `.opencode/` folders, OPENCODE_CONFIG_DIR. */
export function tuiConfigFiles(env: Environment, directory: string, worktree: string | undefined): string[] {
  const names = ["tui.json", "tui.jsonc"]
  const global = globalConfigFolder(env)
  const files = names.map((name) => join(global, name))
  if (env.OPENCODE_TUI_CONFIG) files.push(resolve(env.OPENCODE_TUI_CONFIG))
  const folders = projectFolders(directory, worktree)
  for (const folder of folders) files.push(...names.map((name) => join(folder, name)))
  for (const folder of [global, ...folders]) files.push(...names.map((name) => join(folder, ".opencode", name)))
  if (env.OPENCODE_CONFIG_DIR) files.push(...names.map((name) => join(env.OPENCODE_CONFIG_DIR!, name)))
  return files
}

/** From the project's root (its worktree, if the directory is inside it) down to the directory. */
function projectFolders(directory: string, worktree: string | undefined): string[] {
  const start = resolve(directory)
  const root = worktree && !relative(resolve(worktree), start).startsWith("..") ? resolve(worktree) : start
  const folders = [start]
  for (let folder = start; folder !== root && dirname(folder) !== folder;) {
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
