/**
 * Drives the real `opencode run --format json` CLI (the pinned binary, or `OPENCODE_BIN`) in a
 * scratch project from `prepareProject`, for end-to-end tests of what a one-shot, scripted
 * run prints. The message goes in on stdin; stdout is parsed into events, one JSON per line.
 *
 * What 1.18.33 prints: `step_start`, `text`, `tool_use`, `step_finish` (each with a `part`)
 * and `error` (with `error`, exit code 1). There is no `done` event: the run ends after the
 * last `step_finish` (reason "stop") and exits 0.
 */
import { spawn } from "node:child_process"
import type { StepFinishPart, StepStartPart, TextPart, ToolPart } from "@opencode-ai/sdk"
import { OPENCODE_BIN, signalGroup, type ScratchProject } from "./harness.js"

type EventBase = { timestamp: number; sessionID: string }

/** One line of `opencode run --format json` output. */
export type RunEvent =
  | (EventBase & { type: "step_start"; part: StepStartPart })
  | (EventBase & { type: "text"; part: TextPart })
  | (EventBase & { type: "tool_use"; part: ToolPart })
  | (EventBase & { type: "step_finish"; part: StepFinishPart })
  | (EventBase & { type: "error"; error: { name: string; data?: Record<string, unknown> } })

export type RunResult = {
  code: number | null
  signal: string | null
  /** The stdout lines that parsed as JSON objects, in order. */
  events: RunEvent[]
  stdout: string
  stderr: string
  /** The session of the first event that names one. */
  sessionID?: string
}

export type RunOptions = {
  agent?: string
  /** The whole run is killed (its process group) and the promise rejects after this. Default 60 s. */
  timeoutMs?: number
  /** Added after `run --format json [--agent X]`. */
  extraArgs?: string[]
}

export function runOpencode(project: ScratchProject, message: string, options: RunOptions = {}): Promise<RunResult> {
  const { agent, timeoutMs = 60_000, extraArgs = [] } = options
  const args = ["run", "--format", "json", ...(agent ? ["--agent", agent] : []), ...extraArgs]
  // `run` takes its directory from PWD, not the real cwd: an inherited PWD would run it in this checkout.
  const child = spawn(OPENCODE_BIN, args, {
    cwd: project.project,
    env: { ...project.env, PWD: project.project },
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group, so a launcher's child is stopped with it (as the harness does).
    detached: true,
  })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text))
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text))
  // A piped stdin is the message when no positional one is given.
  // EPIPE if it exits before reading: kept with its output rather than thrown.
  child.stdin.on("error", (error) => (stderr += `\n[stdin: ${error.message}]`))
  child.stdin.end(message)

  return new Promise<RunResult>((resolveRun, reject) => {
    let timedOut = false
    let escalate: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      signalGroup(child, "SIGTERM")
      escalate = setTimeout(() => signalGroup(child, "SIGKILL"), 5_000)
    }, timeoutMs)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // Once it exits, nothing it started may outlive it (and keep stdout open).
    child.once("exit", () => signalGroup(child, "SIGKILL"))
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      clearTimeout(escalate)
      if (timedOut) {
        reject(new Error(`opencode run timed out after ${timeoutMs} ms (${args.join(" ")}); stderr tail:\n${stderr.slice(-2_000)}`))
        return
      }
      const events = parseEvents(stdout)
      resolveRun({ code, signal, events, stdout, stderr, sessionID: events.find((event) => event.sessionID)?.sessionID })
    })
  })
}

function parseEvents(stdout: string): RunEvent[] {
  const events: RunEvent[] = []
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue
    try {
      const parsed: unknown = JSON.parse(line)
      if (parsed && typeof parsed === "object" && "type" in parsed) events.push(parsed as RunEvent)
    } catch {
      // Not an event: it stays in `stdout` only.
    }
  }
  return events
}

/** The text parts' text, in the order they were printed. */
export function textsOf(events: RunEvent[]): string[] {
  return events.flatMap((event) => (event.type === "text" ? [event.part.text] : []))
}

/** The tool parts printed as `tool_use` (only those of `tool`, when given). */
export function toolUsesOf(events: RunEvent[], tool?: string): ToolPart[] {
  return events.flatMap((event) => (event.type === "tool_use" && (!tool || event.part.tool === tool) ? [event.part] : []))
}
