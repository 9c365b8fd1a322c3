/**
 * The house rules a newcomer can rely on: no import cycle in the sources (type imports
 * included), and no file over 250 lines, so each piece stays small enough to read whole.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "./e2e/harness.js"

const MAX_LINES = 250

function filesUnder(folder: string, keep: (path: string) => boolean): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name)
    if (statSync(path).isDirectory()) return filesUnder(path, keep)
    return keep(path) ? [path] : []
  })
}

const isSource = (path: string) => /\.(ts|tsx|mjs)$/.test(path)

/** The source files a source file imports, by relative path (`.js` specifiers name `.ts`/`.tsx` files). */
function importsOf(path: string): string[] {
  const code = readFileSync(path, "utf8")
  const found: string[] = []
  for (const match of code.matchAll(/(?:import|export)\s[^"']*?from\s+["'](\.[^"']+)["']/g)) {
    const target = resolve(dirname(path), match[1]!).replace(/\.js$/, "")
    const file = [".ts", ".tsx"].map((ext) => target + ext).find((candidate) => existsSync(candidate))
    if (file) found.push(file)
  }
  return found
}

/** Every cycle among the files' imports, as the files along it. */
function cycles(files: readonly string[]): string[][] {
  const state = new Map<string, "open" | "done">()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (file: string) => {
    state.set(file, "open")
    stack.push(file)
    for (const next of importsOf(file)) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(file, "done")
  }
  for (const file of files) if (!state.has(file)) visit(file)
  return found
}

describe("the house", () => {
  it("has no import cycle in src, type imports included", () => {
    const sources = filesUnder(join(REPO_ROOT, "src"), (path) => isSource(path) && !path.includes(".test."))
    expect(sources.length).toBeGreaterThan(40)
    expect(cycles(sources).map((cycle) => cycle.map((file) => relative(REPO_ROOT, file)).join(" -> "))).toEqual([])
  })

  it(`has no file of code over ${MAX_LINES} lines, tests and scripts included`, () => {
    const files = ["src", "test", "scripts"].flatMap((folder) => filesUnder(join(REPO_ROOT, folder), isSource))
    const long = files
      .map((file) => ({ file: relative(REPO_ROOT, file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > MAX_LINES)
    expect(long).toEqual([])
  })

  it("finds a cycle when there is one (the check itself can fail)", () => {
    const a = join(REPO_ROOT, "test", "house-fixture", "a.ts")
    expect(cycles([a]).map((cycle) => cycle.map((file) => relative(join(REPO_ROOT, "test", "house-fixture"), file)))).toEqual([["a.ts", "b.ts", "a.ts"]])
  })
})
