import { existsSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Isolation } from "../../core/protocol.js"
import { describeError, OpencodeCallError, SessionToolError } from "../host/errors.js"
import { words } from "../words/index.js"
import type { Opencode } from "../host/opencode.js"
import type { Notifier } from "../host/notify.js"
import { apply, changes, checkoutOf, differing, git, keep, mainCheckout, patch, removeWorktree, snapshot, type FileChange } from "./git.js"
import { planWorktree, refs, worktreesHome } from "./layout.js"

export type Adopted = { files: FileChange[]; leftover?: string }
export type Discarded = { files: FileChange[]; kept?: string }

/** A commit of what an isolated session's worktree holds now. */
function workOf(isolation: Isolation): Promise<string> {
  return snapshot(isolation.directory, "opencode-sessions: the session's work")
}

/**
 * Isolated sessions' worktrees once made (see ./placement.ts): compared, adopted into the
 * caller's checkout all or nothing, or discarded with the work kept under a ref; removed when
 * unchanged or when their session is deleted. The git is the plugin's own (./git.ts).
 */
export class Worktrees {
  constructor(
    private readonly opencode: Opencode,
    private readonly notifier: Notifier,
    /** The directory of the OpenCode instance this plugin copy runs in: never unloaded from here. */
    private readonly ownDirectory: string | undefined,
  ) {}

  /** What the session changed, relative to where it started; undefined once its worktree is gone. */
  async changed(isolation: Isolation): Promise<FileChange[] | undefined> {
    if (!existsSync(isolation.directory)) return undefined
    return changes(isolation.root, isolation.base, await workOf(isolation))
  }

  /**
   * Brings what the session changed into the caller's checkout, all or nothing: refused, naming
   * the files, if the caller changed any of them since the start (nothing is written then, and
   * the worktree stays). On success the work is kept under a ref and the worktree removed.
   */
  async adopt(sessionID: string, isolation: Isolation): Promise<Adopted> {
    const done = await workOf(isolation)
    const files = await changes(isolation.root, isolation.base, done)
    if (files.length > 0) {
      const now = await snapshot(isolation.root, "opencode-sessions: the caller's files at adopt")
      const collisions = await differing(
        isolation.root,
        isolation.base,
        now,
        files.map((file) => file.path),
      )
      if (collisions.length > 0) {
        throw new SessionToolError(words.refusal.adoptCollision(sessionID, collisions, isolation.directory))
      }
      // Kept before anything is written: whatever happens next, the work can be found.
      await keep(isolation.root, refs.adopted(sessionID), done)
      const diff = await patch(isolation.root, isolation.base, done)
      await apply(isolation.root, diff, true)
      await apply(isolation.root, diff, false)
    } else await keep(isolation.root, refs.adopted(sessionID), done)
    try {
      await this.remove(isolation)
      return { files }
    } catch (error) {
      return { files, leftover: `its worktree ${isolation.directory} could not be removed (${describeError(error)})` }
    }
  }

  /** Removes the worktree; what the session changed is kept under a ref (named in the answer). */
  async discard(sessionID: string, isolation: Isolation): Promise<Discarded> {
    const done = await workOf(isolation)
    const files = await changes(isolation.root, isolation.base, done)
    const kept = files.length > 0 ? refs.discarded(sessionID) : undefined
    if (kept) await keep(isolation.root, kept, done)
    await this.remove(isolation)
    return { files, kept }
  }

  /**
   * After its first turn: a session that changed nothing loses its worktree (nothing is lost),
   * and goes back to the caller's folder, so that resuming it later still works.
   */
  async removeIfUnchanged(sessionID: string, isolation: Isolation): Promise<boolean> {
    const files = await this.changed(isolation)
    if (files === undefined || files.length > 0) return false
    await this.opencode.moveSession(sessionID, join(isolation.root, isolation.prefix))
    await this.remove(isolation)
    return true
  }

  /**
   * A deleted session's worktree, found by its name alone (the session's records are gone): its
   * work is kept under a ref if it changed anything, then the worktree goes. Undefined if it had none.
   */
  async deleted(sessionID: string): Promise<(Discarded & { root: string }) | undefined> {
    const directory = join(worktreesHome(), sessionID)
    if (!existsSync(directory)) return undefined
    const root = await mainCheckout(directory)
    const base = await git(["rev-parse", "--verify", refs.base(sessionID)], { cwd: root }).then((sha) => sha.trim())
    const isolation = planWorktree(sessionID, { root, prefix: "" }, base)
    return { root, ...(await this.discard(sessionID, isolation)) }
  }

  /**
   * Worktrees whose session no longer exists: deleted while no copy of this plugin ran in the
   * OpenCode instance that served it. Each is handled as `deleted` handles a deletion it sees.
   */
  async orphans(): Promise<string[]> {
    const home = worktreesHome()
    if (!existsSync(home) || !this.ownDirectory) return []
    // Only this repository's: another project's sessions may not be visible from here.
    const own = await checkoutOf(this.ownDirectory)
    if (!own) return []
    const gone: string[] = []
    for (const name of readdirSync(home)) {
      if (!name.startsWith("ses_")) continue
      if (resolve(await mainCheckout(join(home, name))) !== resolve(own.root)) continue
      try {
        await this.opencode.session(name)
      } catch (error) {
        if (error instanceof OpencodeCallError && error.status === 404) gone.push(name)
        else throw error
      }
    }
    return gone
  }

  /** What became of a session's worktree once it is gone. */
  async fate(sessionID: string, isolation: Isolation): Promise<"adopted" | "discarded" | "unchanged"> {
    // `--verify --quiet` exits non-zero, saying nothing, for a ref that does not exist.
    const has = (ref: string) =>
      git(["rev-parse", "--verify", "--quiet", ref], { cwd: isolation.root }).then(
        () => true,
        () => false,
      )
    if (await has(refs.adopted(sessionID))) return "adopted"
    if (await has(refs.discarded(sessionID))) return "discarded"
    return "unchanged"
  }

  private async remove(isolation: Isolation): Promise<void> {
    // OpenCode keeps an instance (file watchers and all) for every directory it served: the
    // worktree's goes with it, unless this very copy of the plugin runs in it.
    const served = join(isolation.directory, isolation.prefix)
    if (this.ownDirectory === undefined || resolve(this.ownDirectory) !== resolve(served)) {
      await this.opencode.disposeInstance(served).catch((error: unknown) => {
        this.notifier.warn(`Could not unload OpenCode's instance for ${served} before removing it: ${describeError(error)}`)
      })
    }
    await removeWorktree(isolation.root, isolation.directory, isolation.branch)
  }
}
