import { existsSync, readFileSync } from "node:fs"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { PACKAGE_NAME } from "../../core/protocol.js"
import { globalStateFolder, parseJsonc, tuiConfigFiles, type Environment } from "./config-files.js"
import { shared } from "./process.js"

/** How long after the person's first message the TUI part may still announce itself. */
export const TUI_PART_GRACE_MS = 5_000

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/** A `plugin` entry of tui.json (`spec` or `[spec, options]`) that names this package, by name or by the folder it points to. */
export function namesThisPackage(entry: unknown, configFolder: string): boolean {
  const spec: unknown = Array.isArray(entry) ? (entry as unknown[])[0] : entry
  if (typeof spec !== "string") return false
  if (spec === PACKAGE_NAME || spec.startsWith(`${PACKAGE_NAME}@`)) return true
  const isPath = spec.startsWith("file://") || spec.startsWith(".") || isAbsolute(spec)
  if (!isPath) return false
  const path = spec.startsWith("file://") ? fileURLToPath(spec) : resolve(configFolder, spec)
  const manifest = join(path, "package.json")
  if (!existsSync(manifest)) return false
  const name = (parseJsonc(readFileSync(manifest, "utf8")) as { name?: unknown } | undefined)?.name
  return name === PACKAGE_NAME
}

/**
 * The tui.json that lists the TUI part, unless the person turned it off (`plugin_enabled`, in a
 * tui.json or from the TUI's plugin list, which OpenCode keeps in its state folder's kv.json).
 * A file OpenCode cannot parse is skipped, as OpenCode skips it (and says so in its log).
 */
export function tuiPartListedIn(env: Environment, directory: string, worktree: string | undefined): string | undefined {
  let listedIn: string | undefined
  let enabled = true
  for (const file of tuiConfigFiles(env, directory, worktree)) {
    const config = readJson(file)
    if (!isObject(config)) continue
    if (Array.isArray(config.plugin) && config.plugin.some((entry) => namesThisPackage(entry, dirname(file)))) listedIn = file
    const toggle = isObject(config.plugin_enabled) ? config.plugin_enabled[PACKAGE_NAME] : undefined
    if (typeof toggle === "boolean") enabled = toggle
  }
  const kv = readJson(join(globalStateFolder(env), "kv.json"))
  const toggled = isObject(kv) && isObject(kv.plugin_enabled) ? kv.plugin_enabled[PACKAGE_NAME] : undefined
  if (typeof toggled === "boolean") enabled = toggled
  return enabled ? listedIn : undefined
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined
  try {
    return parseJsonc(readFileSync(file, "utf8"))
  } catch {
    // OpenCode skips a file it cannot parse, and logs why: such a file lists no plugin.
    return undefined
  }
}

/** Whether some TUI in this OpenCode process announced the TUI part, and whether that was checked: one answer per process. */
export type TuiPartState = { registered: boolean; checked: boolean }

export type TuiPartWatchDeps = {
  /** The tui.json that lists the TUI part, if any (see `tuiPartListedIn`). */
  listedIn: () => string | undefined
  /** A session driven by a client without a TUI (`opencode run`): its messages say nothing of a TUI. */
  isHeadless: (sessionID: string) => Promise<boolean>
  warn: (message: string) => void
  graceMs?: number
  /** Where the answer is kept: the process's, unless a test gives its own. */
  state?: TuiPartState
}

/**
 * Tells the person when the TUI part they configured never loaded. OpenCode's TUI reports a
 * plugin it cannot load nowhere a person looks, so the server part watches for the TUI part's
 * announcement (see core/protocol.ts) and, if none came by the person's first message (a TUI
 * loads its plugins before anyone can type), says so once per OpenCode process: a warning in
 * the log, and a toast, which shows in the TUI if one is there.
 */
export class TuiPartWatch {
  private readonly state: TuiPartState

  constructor(private readonly deps: TuiPartWatchDeps) {
    this.state = deps.state ?? shared().tuiPart
  }

  /** The TUI part announced itself (a `tui.command.execute` event of its own command). */
  registered(): void {
    this.state.registered = true
  }

  /** The person wrote in `sessionID`. */
  personWrote(sessionID: string): void {
    const state = this.state
    if (state.registered || state.checked) return
    state.checked = true
    const check = () =>
      this.check(sessionID).catch((error: unknown) =>
        this.deps.warn(`opencode-sessions: could not check whether its TUI part loaded: ${error instanceof Error ? error.message : String(error)}`),
      )
    setTimeout(check, this.deps.graceMs ?? TUI_PART_GRACE_MS).unref()
  }

  private async check(sessionID: string): Promise<void> {
    const state = this.state
    if (state.registered) return
    const file = this.deps.listedIn()
    if (!file) return
    if (await this.deps.isHeadless(sessionID)) {
      // `opencode run` has no TUI: a later message from a TUI decides.
      state.checked = false
      return
    }
    this.deps.warn(
      `opencode-sessions: its TUI part did not load in OpenCode's TUI, though ${file} lists it: no Sessions section in the sidebar, no ` +
        `"Sessions started here" command. The session tool works without it. If you use the TUI: update OpenCode (TUI plugins need ` +
        `a recent release; 1.18 is tested) and reinstall with \`opencode plugin ${PACKAGE_NAME}\`. Without a TUI (opencode serve, ` +
        `scripts), ignore this.`,
    )
  }
}
