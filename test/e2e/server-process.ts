/** The `opencode serve` process of a test: started on a free port in its own process group, and stopped by it. */
import { spawn, type ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import type { Event } from "@opencode-ai/sdk"
import { subscribeEvents } from "./event-stream.js"
import { OPENCODE_BIN, type HarnessOptions } from "./project.js"

export type Running = { server: ChildProcess; url: string; subscription: AbortController }

/** Starts `opencode serve` on `port` and waits until it serves and its event stream is open. */
export async function launchServer(
  on: { port: number; project: string; env: NodeJS.ProcessEnv; options: HarnessOptions },
  output: string[],
  onEvent: (event: Event) => void,
): Promise<Running> {
  const { port, project, env, options } = on
  // Its own process group: some releases' `opencode` is a launcher that starts the real
  // binary as a child, and stopping only the launcher would leave that server running.
  const server: ChildProcess = spawn(
    OPENCODE_BIN,
    ["serve", "--port", String(port), "--hostname", "127.0.0.1", "--print-logs", "--log-level", options.logLevel ?? "INFO"],
    {
      cwd: project,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  )
  const printedBefore = output.length
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`opencode serve did not print its address:\n${output.join("")}`)), 60_000)
    const onData = (data: Buffer) => {
      const text = data.toString()
      output.push(text)
      if (options.verbose) process.stderr.write(text)
      const found = /listening on (http:\/\/[\d.]+:\d+)/.exec(output.slice(printedBefore).join(""))
      if (found?.[1]) {
        clearTimeout(timer)
        resolveUrl(found[1])
      }
    }
    server.stdout?.on("data", onData)
    server.stderr?.on("data", onData)
    server.once("exit", (code) => reject(new Error(`opencode serve exited (${code}):\n${output.join("")}`)))
  })
  const subscription = new AbortController()
  try {
    await waitUntilServing(url, project)
    await subscribeEvents(url, project, subscription.signal, onEvent)
  } catch (error) {
    await haltServer({ server, url, subscription })
    throw error
  }
  return { server, url, subscription }
}

/** Stops a server and what it started: SIGTERM to its process group, SIGKILL after 5 s. */
export async function haltServer({ server, subscription }: Running): Promise<void> {
  subscription.abort()
  await new Promise<void>((resolveExit) => {
    if (server.exitCode !== null) return resolveExit()
    server.once("exit", () => resolveExit())
    signalGroup(server, "SIGTERM")
    setTimeout(() => signalGroup(server, "SIGKILL"), 5_000).unref()
  })
}

/** Signals the server and everything it started (its process group); falls back to the server alone. */
export function signalGroup(server: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (server.pid) process.kill(-server.pid, signal)
    else server.kill(signal)
  } catch (error) {
    // ESRCH: the group is gone already. Anything else: at least stop the server itself.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") server.kill(signal)
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))))
    })
  })
}

/** The first request makes OpenCode bootstrap the project; one sent too early can hang. */
async function waitUntilServing(url: string, directory: string) {
  const deadline = Date.now() + 90_000
  let lastError = ""
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/agent?directory=${encodeURIComponent(directory)}`, {
        signal: AbortSignal.timeout(5_000),
      })
      if (response.ok) return
      lastError = `HTTP ${response.status}`
    } catch (error) {
      lastError = String(error)
    }
    await new Promise((resolveRetry) => setTimeout(resolveRetry, 250))
  }
  throw new Error(`opencode server at ${url} never became ready: ${lastError}`)
}
