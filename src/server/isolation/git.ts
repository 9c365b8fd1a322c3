/**
 * The git the isolated sessions need, run by the plugin itself (OpenCode's worktree routes start
 * from HEAD only, and its removal force-deletes the branch: see docs/isolated-forks.md). Nothing
 * here touches the caller's files or index unless it is adopting, and then only through an
 * atomic `git apply`.
 */
import { execFile } from "node:child_process"
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs"
import { setPriority, tmpdir } from "node:os"
import { join } from "node:path"

export class GitError extends Error {
  override name = "GitError"
}

type GitRun = { cwd: string; env?: NodeJS.ProcessEnv; input?: string; background?: boolean }

function lowerPriority(pid: number): void {
  try {
    setPriority(pid, 19)
  } catch (error) {
    // Only speed is at stake, and the process may have ended already: note it, go on.
    console.debug(`opencode-sessions: could not lower git's priority: ${error instanceof Error ? error.message : String(error)}`)
  }
}

// Hooks (post-checkout) and filters must not run on the person's behalf in a worktree we make.
const SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false", "-c", "core.quotepath=false"]

/** Snapshots are commits nobody wrote by hand: they carry the plugin's name, whatever the person configured. */
const IDENTITY = {
  GIT_AUTHOR_NAME: "opencode-sessions",
  GIT_AUTHOR_EMAIL: "opencode-sessions@localhost",
  GIT_COMMITTER_NAME: "opencode-sessions",
  GIT_COMMITTER_EMAIL: "opencode-sessions@localhost",
}

export function git(args: readonly string[], { cwd, env, input, background }: GitRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", [...SAFE, ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new GitError(`git ${args.join(" ")}: ${(stderr || error.message).trim()}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin?.end(input)
    // Work nobody waits on at once yields the processor to OpenCode's own.
    if (background && child.pid) lowerPriority(child.pid)
  })
}

/** The top of the checkout holding `directory`, and `directory`'s place in it; undefined outside git. */
export async function checkoutOf(directory: string): Promise<{ root: string; prefix: string } | undefined> {
  try {
    const [root, prefix] = (await git(["rev-parse", "--show-toplevel", "--show-prefix"], { cwd: directory })).split("\n")
    return root ? { root, prefix: prefix ?? "" } : undefined
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.message)) return undefined
    throw error
  }
}

/** The main checkout of the repository a linked worktree belongs to. */
export async function mainCheckout(worktree: string): Promise<string> {
  const listed = await git(["worktree", "list", "--porcelain"], { cwd: worktree })
  const first = listed.split("\n").find((line) => line.startsWith("worktree "))
  if (!first) throw new GitError(`git worktree list in ${worktree} named no checkout`)
  return first.slice("worktree ".length)
}

/**
 * A commit of what a checkout shows now: its HEAD plus uncommitted edits and untracked files
 * that are not ignored. Made through a copy of the index, so the checkout is left as it was.
 */
export async function snapshot(root: string, message: string, { background = false } = {}): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), "opencode-sessions-index-"))
  try {
    const index = join(scratch, "index")
    const current = (await git(["rev-parse", "--path-format=absolute", "--git-path", "index"], { cwd: root })).trim()
    // A copy keeps the stat data, so only changed files are hashed again.
    if (existsSync(current)) copyFileSync(current, index)
    const env = { GIT_INDEX_FILE: index }
    const [, head] = await Promise.all([
      git(["add", "-A", "."], { cwd: root, env, background }),
      git(["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: root }).then(
        (sha) => sha.trim(),
        // A repository with no commit yet: the snapshot is its first.
        () => undefined,
      ),
    ])
    const tree = (await git(["write-tree"], { cwd: root, env })).trim()
    return (await git(["commit-tree", tree, ...(head ? ["-p", head] : []), "-m", message], { cwd: root, env: IDENTITY })).trim()
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

export type { FileChange } from "../../core/types.js"
import type { FileChange } from "../../core/types.js"

/** The files that differ between two commits, with +/− line counts (binary files count 0). */
export async function changes(root: string, from: string, to: string): Promise<FileChange[]> {
  const out = await git(["diff", "--numstat", "--no-renames", "-z", from, to], { cwd: root })
  const files: FileChange[] = []
  for (const entry of out.split("\0")) {
    const [additions, deletions, path] = entry.split("\t")
    if (path) files.push({ path, additions: Number(additions) || 0, deletions: Number(deletions) || 0 })
  }
  return files
}

/** Of `paths`, those whose content differs between two commits. */
export async function differing(root: string, from: string, to: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return []
  const out = await git(["diff", "--name-only", "--no-renames", "-z", from, to, "--", ...paths.map((path) => `:(literal)${path}`)], { cwd: root })
  return out.split("\0").filter(Boolean)
}

/** A complete patch from one commit to another (binary files, deletions and modes included). */
export function patch(root: string, from: string, to: string): Promise<string> {
  return git(["diff", "--binary", "--full-index", "--no-renames", from, to], { cwd: root })
}

/** Applies a patch to the checkout's files, all or nothing (git apply's own rule); `check` only tries. */
export async function apply(root: string, diff: string, check: boolean): Promise<void> {
  await git(["apply", ...(check ? ["--check"] : []), "--whitespace=nowarn", "-"], { cwd: root, input: diff })
}

export async function addWorktree(root: string, directory: string, branch: string, commit: string): Promise<void> {
  await git(["worktree", "add", "-b", branch, directory, commit], { cwd: root, background: true })
}

/** Removes a worktree and its branch (the caller saved what it must keep first). */
export async function removeWorktree(root: string, directory: string, branch: string): Promise<void> {
  if (existsSync(directory)) await git(["worktree", "remove", "--force", directory], { cwd: root })
  else await git(["worktree", "prune"], { cwd: root })
  await git(["branch", "-D", branch], { cwd: root }).catch((error: unknown) => {
    // Already gone is what was wanted; anything else is not.
    if (!(error instanceof GitError && /not found/i.test(error.message))) throw error
  })
}

/** A ref that keeps a commit (and what it holds) safe from garbage collection, out of branch lists. */
export async function keep(root: string, ref: string, commit: string): Promise<void> {
  await git(["update-ref", ref, commit], { cwd: root })
}
