import { homedir } from "node:os"
import { join } from "node:path"
import type { Isolation } from "../../core/protocol.js"
import type { Checkout } from "../../core/types.js"

/** Where the plugin's worktrees live: beside OpenCode's own, under its data folder, out of the repository. */
export function worktreesHome(): string {
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "opencode", "worktree", "opencode-sessions")
}

/** The branch of a session's worktree. */
export function branchOf(sessionID: string): string {
  return `opencode-sessions/${sessionID}`
}

export const refs = {
  base: (sessionID: string) => `refs/opencode-sessions/base/${sessionID}`,
  adopted: (sessionID: string) => `refs/opencode-sessions/adopted/${sessionID}`,
  discarded: (sessionID: string) => `refs/opencode-sessions/discarded/${sessionID}`,
}

/** Where a session's worktree is (or will be), and on which branch, for a checkout and the commit it starts from. */
export function planWorktree<Base extends string | Promise<string>>(
  sessionID: string,
  checkout: Checkout,
  base: Base,
): Omit<Isolation, "base"> & { base: Base } {
  return { kind: "worktree", ...checkout, base, directory: join(worktreesHome(), sessionID), branch: branchOf(sessionID) }
}
