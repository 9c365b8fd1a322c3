import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { addWorktree, apply, changes, checkoutOf, differing, keep, patch, removeWorktree, snapshot } from "./git.js"

const scratch: string[] = []
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
  })
}

/** A repository with one commit (a.txt, b.txt, .gitignore), then an uncommitted edit, an untracked and an ignored file. */
function repository(): string {
  const root = mkdtempSync(join(tmpdir(), "opencode-sessions-git-"))
  scratch.push(root)
  sh(root, "init", "-q", "-b", "main")
  writeFileSync(join(root, "a.txt"), "a1\n")
  writeFileSync(join(root, "b.txt"), "b1\n")
  writeFileSync(join(root, ".gitignore"), "ignored.txt\n")
  sh(root, "add", "-A")
  sh(root, "commit", "-q", "-m", "first")
  writeFileSync(join(root, "a.txt"), "a2 (uncommitted)\n")
  writeFileSync(join(root, "new.txt"), "untracked\n")
  writeFileSync(join(root, "ignored.txt"), "ignored\n")
  return root
}

/** Where a test's worktree goes: a folder git makes, inside a scratch folder removed after the test. */
function worktreeFolder(): string {
  const parent = mkdtempSync(join(tmpdir(), "opencode-sessions-wt-"))
  scratch.push(parent)
  return join(parent, "wt")
}

describe("isolation git", () => {
  it("finds the checkout of a folder, and nothing outside git", async () => {
    const root = repository()
    expect(await checkoutOf(root)).toEqual({ root, prefix: "" })
    const outside = mkdtempSync(join(tmpdir(), "opencode-sessions-nogit-"))
    scratch.push(outside)
    expect(await checkoutOf(outside)).toBeUndefined()
  })

  it("snapshots what the checkout shows (edits, untracked, not ignored) and leaves it untouched", async () => {
    const root = repository()
    const before = sh(root, "status", "--porcelain")
    const base = await snapshot(root, "base")
    expect(sh(root, "status", "--porcelain")).toBe(before)
    expect(sh(root, "show", `${base}:a.txt`)).toBe("a2 (uncommitted)\n")
    expect(sh(root, "show", `${base}:new.txt`)).toBe("untracked\n")
    expect(sh(root, "ls-tree", "--name-only", base)).not.toContain("ignored.txt")
  })

  it("makes a worktree from the snapshot, and adopts its change whole, keeping the caller's other edits", async () => {
    const root = repository()
    const base = await snapshot(root, "base")
    const dir = worktreeFolder()
    await addWorktree(root, dir, "opencode-sessions/t1", base)
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("a2 (uncommitted)\n")
    expect(readFileSync(join(dir, "new.txt"), "utf8")).toBe("untracked\n")
    writeFileSync(join(dir, "b.txt"), "b2 from the fork\n")
    writeFileSync(join(dir, "fork.txt"), "made by the fork\n")
    const done = await snapshot(dir, "done")
    expect(await changes(root, base, done)).toEqual([
      { path: "b.txt", additions: 1, deletions: 1 },
      { path: "fork.txt", additions: 1, deletions: 0 },
    ])
    // The caller edits another file meanwhile: no collision.
    writeFileSync(join(root, "new.txt"), "untracked, edited\n")
    const now = await snapshot(root, "now")
    expect(await differing(root, base, now, ["b.txt", "fork.txt"])).toEqual([])
    const diff = await patch(root, base, done)
    await apply(root, diff, true)
    await apply(root, diff, false)
    expect(readFileSync(join(root, "b.txt"), "utf8")).toBe("b2 from the fork\n")
    expect(readFileSync(join(root, "fork.txt"), "utf8")).toBe("made by the fork\n")
    expect(readFileSync(join(root, "new.txt"), "utf8")).toBe("untracked, edited\n")
    await keep(root, "refs/opencode-sessions/adopted/t1", done)
    await removeWorktree(root, dir, "opencode-sessions/t1")
    expect(existsSync(dir)).toBe(false)
    expect(sh(root, "branch", "--list", "opencode-sessions/t1")).toBe("")
    expect(sh(root, "show", "refs/opencode-sessions/adopted/t1:fork.txt")).toBe("made by the fork\n")
  })

  it("applies nothing when one file collides: the whole patch is refused", async () => {
    const root = repository()
    const base = await snapshot(root, "base")
    const dir = worktreeFolder()
    await addWorktree(root, dir, "opencode-sessions/t2", base)
    writeFileSync(join(dir, "b.txt"), "b from the fork\n")
    writeFileSync(join(dir, "fork.txt"), "new\n")
    const done = await snapshot(dir, "done")
    writeFileSync(join(root, "b.txt"), "b from the caller\n")
    const now = await snapshot(root, "now")
    expect(await differing(root, base, now, ["b.txt", "fork.txt"])).toEqual(["b.txt"])
    await expect(apply(root, await patch(root, base, done), true)).rejects.toThrow(/b\.txt/)
    expect(existsSync(join(root, "fork.txt"))).toBe(false)
    await removeWorktree(root, dir, "opencode-sessions/t2")
  })
})
