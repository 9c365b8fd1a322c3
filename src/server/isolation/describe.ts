import type { Isolation } from "../../core/protocol.js"
import type { WorktreeState } from "../../core/types.js"
import { describeError } from "../host/errors.js"
import { refs } from "./layout.js"
import type { Worktrees } from "./worktrees.js"

/**
 * Where an isolated session's work stands, for status, reports and waits (tool/words.ts words
 * it): its worktree and branch with the files it changed, or what became of the worktree.
 */
export async function worktreeState(worktrees: Worktrees, sessionID: string, isolation: Isolation | undefined): Promise<WorktreeState | undefined> {
  if (!isolation) return undefined
  const where = { directory: isolation.directory, branch: isolation.branch }
  try {
    const files = await worktrees.changed(isolation)
    if (files !== undefined) return { kind: "changed", ...where, files }
    const fate = await worktrees.fate(sessionID, isolation)
    if (fate === "adopted") return { kind: "adopted" }
    if (fate === "discarded") return { kind: "discarded", ref: refs.discarded(sessionID) }
    return { kind: "removed-unchanged" }
  } catch (error) {
    return { kind: "unreadable", ...where, error: describeError(error) }
  }
}
