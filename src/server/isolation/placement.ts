import { join, resolve } from "node:path"
import type { Session } from "@opencode-ai/sdk"
import type { Isolation } from "../../core/protocol.js"
import type { Checkout } from "../../core/types.js"
import { describeError, OpencodeCallError, SessionToolError } from "../host/errors.js"
import { words } from "../words/index.js"
import type { HostCapabilities } from "../host/capabilities.js"
import type { Opencode } from "../host/opencode.js"
import type { Notifier } from "../host/notify.js"
import { addWorktree, checkoutOf, keep, removeWorktree, snapshot } from "./git.js"
import { planWorktree, refs } from "./layout.js"

/** An isolated session's worktree as planned at its call: where it will be, and the snapshot it starts from (being taken). */
export type PlannedIsolation = Omit<Isolation, "base"> & { base: Promise<string> }

/**
 * Where isolated sessions start: the caller's checkout checked (refused outside git or where
 * OpenCode cannot move a session), a snapshot of what it sees (its commit, uncommitted edits
 * and untracked files), and the worktree made from it with the session moved in (1.17 and later).
 */
export class Placement {
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

  /**
   * `toolDirectory`: the directory the caller's tools run in, as the tool context gives it (the
   * files the caller sees are there); releases that do not give it are asked for the session.
   */
  private async look(callerID: string, toolDirectory: string | undefined): Promise<Checkout> {
    const directory = toolDirectory ?? (await this.opencode.session(callerID)).directory
    const checkout = await checkoutOf(directory)
    if (!checkout) throw new SessionToolError(words.refusal.isolationNoGit(directory))
    const missing = await this.moveRouteMissing(directory)
    if (missing) throw new SessionToolError(words.refusal.isolationUnavailable(missing))
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
    return checkout ? { session, isolation: planWorktree(session.id, checkout, this.snapshotOf(checkout, step)) } : { session }
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

  /** Makes the session's worktree from its snapshot and moves the session into it. */
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
