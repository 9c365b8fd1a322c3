import { existsSync, readdirSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import type { Session } from "@opencode-ai/sdk"
import type { Isolation } from "../../core/lineage.js"
import type { Checkout } from "../../core/types.js"
import { describeError, OpencodeCallError, SessionToolError } from "../errors.js"
import type { HostCapabilities } from "../host/capabilities.js"
import type { Opencode } from "../opencode/client.js"
import type { Notifier } from "../notify.js"
import { addWorktree, apply, changes, checkoutOf, differing, git, keep, mainCheckout, patch, removeWorktree, snapshot, type FileChange } from "./git.js"

/** An isolated session's worktree as planned at its call: where it will be, and the snapshot it starts from (being taken). */
export type PlannedIsolation = Omit<Isolation, "base"> & { base: Promise<string> }

export type Adopted = { files: FileChange[]; leftover?: string }
export type Discarded = { files: FileChange[]; kept?: string }

/** Where the plugin's worktrees live: beside OpenCode's own, under its data folder, out of the repository. */
function worktreesHome(): string {
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "opencode", "worktree", "opencode-sessions")
}

/** The branch of a session's worktree. */
function branchOf(sessionID: string): string {
  return `opencode-sessions/${sessionID}`
}

/** A commit of what an isolated session's worktree holds now. */
function workOf(isolation: Isolation): Promise<string> {
  return snapshot(isolation.directory, "opencode-sessions: the session's work")
}

export const refs = {
  base: (sessionID: string) => `refs/opencode-sessions/base/${sessionID}`,
  adopted: (sessionID: string) => `refs/opencode-sessions/adopted/${sessionID}`,
  discarded: (sessionID: string) => `refs/opencode-sessions/discarded/${sessionID}`,
}

/**
 * Isolated sessions' worktrees: made from what the caller sees (its commit, uncommitted edits and
 * untracked files), compared, adopted into the caller's checkout all or nothing, or discarded
 * with the work kept under a ref. The git is the plugin's own (./git.ts); OpenCode is asked only
 * to move the session into its worktree (1.17 and later).
 */
export class Worktrees {
  private moveRoute: Promise<string | undefined> | undefined
  /** One look and one snapshot serve every isolated call of one caller's step (they see the same files). */
  private readonly checks = new Map<string, Promise<Checkout>>()
  private readonly snapshots = new Map<string, Promise<string>>()
  /** Worktrees are made one at a time: each checks out the whole tree, and the caller's turn needs the other core. */
  private making: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly opencode: Opencode,
    private readonly host: HostCapabilities,
    private readonly notifier: Notifier,
    /** The directory of the OpenCode instance this plugin copy runs in: never unloaded from here. */
    private readonly ownDirectory: string | undefined,
  ) {}

  /**
   * The caller's checkout, once sure isolation can work for it here; refuses otherwise (nothing
   * is made). Calls made in the same step (`step`: the caller's message) share one look.
   */
  check(callerID: string, step: string, toolDirectory?: string): Promise<Checkout> {
    return this.once(this.checks, step, async () => {
      const checkout = await this.look(callerID, toolDirectory)
      // Taken now, while the person is asked and the session is made, off the caller's way. It
      // only reads the caller's files; one unused (the call refused) is an unreferenced commit.
      // A failure is the call's: its start fails where the launcher awaits the same snapshot.
      this.snapshotOf(checkout, step).catch((error: unknown) => this.notifier.debug(`Snapshot for an isolated call failed: ${describeError(error)}`))
      return checkout
    })
  }

  /** `toolDirectory`: where the tool context says the caller works, nearly always its session's directory; looked at meanwhile. */
  private async look(callerID: string, toolDirectory: string | undefined): Promise<Checkout> {
    // The session's own record decides where it works.
    const [session, guessed] = await Promise.all([this.opencode.session(callerID), toolDirectory ? checkoutOf(toolDirectory) : undefined])
    const directory = session.directory
    const checkout = toolDirectory && resolve(toolDirectory) === resolve(directory) ? guessed : await checkoutOf(directory)
    if (!checkout) throw new SessionToolError(`session: isolation "worktree" needs a git repository, and ${directory} is not in one. Leave isolation out to work in this directory.`)
    const missing = await this.moveRouteMissing(directory)
    if (missing) throw new SessionToolError(`session: isolation "worktree" needs OpenCode 1.17 or later (${missing}). Leave isolation out to work in this directory.`)
    return checkout
  }

  /**
   * The commit an isolated session starts from: what the caller sees now (its files are left as
   * they are). Calls made in the same step (`step`: the caller's message) share one.
   */
  private snapshotOf(checkout: Checkout, step: string): Promise<string> {
    return this.once(this.snapshots, `${checkout.root}\0${step}`, () => snapshot(checkout.root, "opencode-sessions: what the caller saw", { background: true }))
  }

  /**
   * The session `making` makes and, for an isolated call, its worktree's plan. The tool does not
   * wait for the snapshot: the worktree is made from it after the caller's step (see the
   * launcher), where a failed snapshot fails the start like a failed checkout would.
   */
  async started(making: Promise<Session>, checkout: Checkout | undefined, step: string): Promise<{ session: Session; isolation?: PlannedIsolation }> {
    const session = await making
    return checkout ? { session, isolation: this.plan(session.id, checkout, this.snapshotOf(checkout, step)) } : { session }
  }

  /** `work`'s promise, shared by every call of one step; forgotten a little after (a later step sees newer files). */
  private once<T>(cache: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
    let shared = cache.get(key)
    if (!shared) {
      shared = work()
      cache.set(key, shared)
      const forget = () => setTimeout(() => cache.delete(key), 10_000).unref()
      shared.then(forget, forget)
    }
    return shared
  }

  /** Where the session's worktree will be, and on which branch. */
  plan<Base extends string | Promise<string>>(sessionID: string, checkout: Checkout, base: Base): Omit<Isolation, "base"> & { base: Base } {
    return { kind: "worktree", ...checkout, base, directory: join(worktreesHome(), sessionID), branch: branchOf(sessionID) }
  }

  /** Makes the session's worktree from the prepared commit and moves the session into it. */
  async create(sessionID: string, isolation: Isolation): Promise<void> {
    const made = this.making.then(() => this.make(sessionID, isolation))
    this.making = made.catch(() => undefined)
    await made
  }

  private async make(sessionID: string, isolation: Isolation): Promise<void> {
    await keep(isolation.root, refs.base(sessionID), isolation.base)
    await addWorktree(isolation.root, isolation.directory, isolation.branch, isolation.base)
    try {
      const target = join(isolation.directory, isolation.prefix)
      await this.opencode.moveSession(sessionID, target)
      // Isolation that silently did not happen is the fault to avoid: the session's own record says where it works.
      const now = (await this.opencode.session(sessionID)).directory
      if (resolve(now) !== resolve(target)) throw new Error(`OpenCode accepted the move but the session still works in ${now}`)
    } catch (error) {
      await removeWorktree(isolation.root, isolation.directory, isolation.branch).catch((cleanup: unknown) => {
        throw new Error(`${describeError(error)}; its worktree ${isolation.directory} could not be removed either: ${describeError(cleanup)}`)
      })
      throw error
    }
  }

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
      const collisions = await differing(isolation.root, isolation.base, now, files.map((file) => file.path))
      if (collisions.length > 0) {
        throw new SessionToolError(
          `session: adopt refused, nothing applied — you changed ${collisions.join(", ")} since ${sessionID} started, and it changed them too. ` +
            `Its work stays in ${isolation.directory}; adopt again once those files are as they were, or discard it.`,
        )
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
  async deleted(sessionID: string): Promise<Discarded & { root: string } | undefined> {
    const directory = join(worktreesHome(), sessionID)
    if (!existsSync(directory)) return undefined
    const root = await mainCheckout(directory)
    const base = await git(["rev-parse", "--verify", refs.base(sessionID)], { cwd: root }).then((sha) => sha.trim())
    const isolation = this.plan(sessionID, { root, prefix: "" }, base)
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
    const has = (ref: string) => git(["rev-parse", "--verify", "--quiet", ref], { cwd: isolation.root }).then(() => true, () => false)
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

  /** Why this OpenCode cannot move a session into a worktree, or undefined if it can (asked once). */
  private moveRouteMissing(directory: string): Promise<string | undefined> {
    this.moveRoute ??= this.opencode.moveSession("ses_opencode_sessions_probe", directory).then(
      // No real route moves a session that does not exist: whatever answered is not it.
      () => {
        this.host.lacks("worktree", "move-session answered a move of a session that does not exist")
        return this.host.whyMissing("worktree")
      },
      (error: unknown) => {
        // The route answers 400 "Session not found" for the probe; a release without it, 404.
        if (error instanceof OpencodeCallError && error.status === 400) {
          this.host.offers("worktree")
          return undefined
        }
        this.host.lacks("worktree", error instanceof OpencodeCallError ? `move-session answered HTTP ${error.status ?? "none"}` : String(error))
        return this.host.whyMissing("worktree")
      },
    )
    return this.moveRoute
  }
}
