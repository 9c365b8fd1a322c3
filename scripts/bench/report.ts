/** The shape of a figure's result, the printed table, and bench-results.json. */
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import { REPO_ROOT } from "../../test/e2e/harness.js"

export type Row = {
  figure: string
  value: number | string
  baseline?: number | string
  /** value / baseline, when both are numbers. */
  ratio?: number
  target: string
  /** undefined: reported for context, no target. */
  ok?: boolean
}

export type FigureResult = {
  id: string
  title: string
  rows: Row[]
  /** Raw samples and anything else worth keeping in bench-results.json. */
  details: Record<string, unknown>
  durationMs: number
  error?: string
}

/** What a figure's function returns; the runner adds its id, duration and any error. */
export type Measured = Pick<FigureResult, "title" | "rows" | "details">

export function ratioOf(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : Number.NaN
}

function cell(value: number | string | undefined, digits = 0): string {
  if (value === undefined) return "–"
  if (typeof value === "string") return value
  if (Number.isNaN(value)) return "n/a"
  if (Number.isInteger(value) && digits === 0) return String(value)
  return Math.abs(value) < 10 && digits === 0 ? value.toFixed(2) : value.toFixed(digits)
}

export function renderTable(figures: readonly FigureResult[]): string {
  const header = ["figure", "value", "baseline", "ratio", "target", "OK?"]
  const body = figures.flatMap((figure) =>
    figure.rows.map((row) => [
      `${figure.id}. ${row.figure}`,
      cell(row.value),
      cell(row.baseline),
      row.ratio === undefined ? "–" : cell(row.ratio, 2),
      row.target,
      row.ok === undefined ? "–" : row.ok ? "yes" : "no",
    ]),
  )
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((line) => line[column]!.length)))
  const format = (line: string[]) =>
    line.map((text, column) => (column === 0 || column === 4 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join("  ")
  return [format(header), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(format)].join("\n")
}

export function missed(figures: readonly FigureResult[]): string[] {
  return figures.flatMap((figure) =>
    figure.rows
      .filter((row) => row.ok === false)
      .map(
        (row) =>
          `${figure.id}. ${row.figure}: ${cell(row.value)}${row.baseline !== undefined ? ` (baseline ${cell(row.baseline)})` : ""}, target ${row.target}`,
      ),
  )
}

export function writeResults(figures: readonly FigureResult[], startedAt: number, loadAtStart: number[]): string {
  const path = join(REPO_ROOT, "bench-results.json")
  const opencode = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "opencode-ai", "package.json"), "utf8")) as { version: string }).version
  const results = {
    date: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    opencode,
    machine: { cpus: cpus().length, node: process.version, platform: process.platform, loadavgAtStart: loadAtStart, loadavgAtEnd: loadavg() },
    missed: missed(figures),
    figures,
  }
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
  return path
}
