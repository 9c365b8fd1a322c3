import type { Isolation } from "../../core/lineage.js"
import { describeError } from "../errors.js"
import type { FileChange } from "./git.js"
import { refs } from "./layout.js"
import type { Worktrees } from "./worktrees.js"

export function fileList(files: readonly FileChange[]): string {
  return files.map((file) => `${file.path} +${file.additions} −${file.deletions}`).join(", ")
}

/**
 * What an isolated session's worktree holds, in one line for status, reports and waits: where
 * it is, its branch, and the files it changed with +/− counts, so approaches can be compared.
 */
export async function worktreeLine(worktrees: Worktrees, sessionID: string, isolation: Isolation | undefined): Promise<string | undefined> {
  if (!isolation) return undefined
  const where = `worktree ${isolation.directory} (branch ${isolation.branch})`
  try {
    const files = await worktrees.changed(isolation)
    if (files === undefined) {
      const fate = await worktrees.fate(sessionID, isolation)
      if (fate === "adopted") return "its work was adopted; its worktree is removed"
      if (fate === "discarded") return `its worktree was discarded; its work is kept under ${refs.discarded(sessionID)}`
      return "its worktree is removed: it changed nothing"
    }
    if (files.length === 0) return `${where}: no changes`
    return `${where}: ${files.length} file${files.length === 1 ? "" : "s"} changed — ${fileList(files)}`
  } catch (error) {
    return `${where}: its changes could not be read (${describeError(error)})`
  }
}
