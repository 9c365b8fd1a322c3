/**
 * The house rules a newcomer can rely on: no import cycle in the sources (type imports
 * included), between files or between the folders that hold them, so the parts depend one way;
 * no cast past the types (what is read is parsed); the process-wide state in one module; and no
 * file over 250 lines, so each piece stays small enough to read whole.
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

/** The folder a source file belongs to, as a part of the house: its directory under src. */
const folderOf = (file: string) => relative(REPO_ROOT, dirname(file))

/** Every loop between folders: a folder whose files import a folder whose files import it back, however far round. */
function folderLoops(files: readonly string[]): string[][] {
  const edges = new Map<string, Set<string>>()
  for (const file of files) {
    for (const target of importsOf(file)) {
      const [from, to] = [folderOf(file), folderOf(target)]
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to))
    }
  }
  const loops: string[][] = []
  const visit = (folder: string, path: string[]) => {
    for (const next of edges.get(folder) ?? []) {
      if (next === path[0]) loops.push([...path, next])
      else if (!path.includes(next) && next > path[0]!) visit(next, [...path, next])
    }
  }
  for (const folder of [...edges.keys()].sort()) visit(folder, [folder])
  return loops
}

const sourceFiles = () => filesUnder(join(REPO_ROOT, "src"), (path) => isSource(path) && !path.includes(".test."))

describe("the house", () => {
  it("has parts that depend one way: no loop between the folders of src", () => {
    expect(folderLoops(sourceFiles()).map((loop) => loop.join(" -> "))).toEqual([])
  })

  it("casts nothing past its types: no `as unknown as`, no `as any` (what is read is parsed by a schema)", () => {
    const casts = sourceFiles().flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => (/\bas (unknown as|any)\b/.test(line) ? [`${relative(REPO_ROOT, file)}:${index + 1}: ${line.trim()}`] : [])),
    )
    expect(casts).toEqual([])
  })

  it("keeps the state every copy of the plugin in a process shares in one module", () => {
    const holders = sourceFiles().filter((file) => /\bglobalThis\b/.test(readFileSync(file, "utf8")))
    expect(holders.map((file) => relative(REPO_ROOT, file))).toEqual(["src/server/host/process.ts"])
  })

  it("has no import cycle in src, type imports included", () => {
    const sources = sourceFiles()
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

  it("finds a cycle, and a loop between folders, when there is one (the checks themselves can fail)", () => {
    const fixture = join(REPO_ROOT, "test", "house-fixture")
    const a = join(fixture, "a.ts")
    expect(cycles([a]).map((cycle) => cycle.map((file) => relative(fixture, file)))).toEqual([["a.ts", "b.ts", "a.ts"]])
    const up = join(fixture, "up", "top.ts")
    expect(folderLoops([up, join(fixture, "down", "bottom.ts")]).map((loop) => loop.map((folder) => relative("test/house-fixture", folder)))).toEqual([
      ["down", "up", "down"],
    ])
  })
})
