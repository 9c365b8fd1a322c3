/**
 * A local npm registry (verdaccio) on 127.0.0.1, for installing this package the way people do:
 * by name, from a registry. It serves what is published to it; every other package is fetched
 * on demand from the registry npm itself is configured with (the public one, a company's mirror,
 * a CI's). Its folder is scratch space, removed when it stops.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, REPO_ROOT } from "../e2e/harness.js"
import { run } from "./run.js"

export type Registry = {
  /** The registry's address, ending in "/": what `npm_config_registry` is set to. */
  url: string
  /** Publishes a packed package (`npm pack`'s .tgz) under a dist-tag ("latest" unless said). */
  publish(tarball: string, tag?: string): Promise<void>
  stop(): Promise<void>
}

/** The registry npm is configured with here (`npm config get registry`), with its trailing slash. */
export function upstreamRegistry(env: NodeJS.ProcessEnv = process.env): string {
  const configured = execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8", env }).trim()
  if (!/^https?:\/\//.test(configured)) throw new Error(`npm config get registry gave no registry address: "${configured}"`)
  return configured.endsWith("/") ? configured : `${configured}/`
}

export function config(storage: string, users: string, upstream: string): string {
  // Only what is published here is served as opencode-sessions: never the public package of that name.
  return `storage: ${storage}
auth:
  htpasswd:
    file: ${users}
    max_users: 10
uplinks:
  public:
    url: ${upstream}
packages:
  'opencode-sessions':
    access: $all
    publish: $all
  '**':
    access: $all
    publish: $authenticated
    proxy: public
log: { type: stdout, format: pretty, level: warn }
`
}

async function waitUntilServing(url: string, server: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  let last = ""
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the local registry exited (${server.exitCode}):\n${output()}`)
    try {
      const response = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = String(error)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the local registry at ${url} did not answer within 30 s (${last}):\n${output()}`)
}

/** A user for publishing: the token verdaccio hands out for a new account. */
async function token(url: string): Promise<string> {
  const response = await fetch(`${url}-/user/org.couchdb.user:tests`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "tests", password: "not-a-secret" }),
  })
  const body = (await response.json()) as { token?: string; error?: string }
  if (!response.ok || !body.token) throw new Error(`the local registry did not make a user: HTTP ${response.status} ${JSON.stringify(body)}`)
  return body.token
}

export async function startRegistry(): Promise<Registry> {
  const root = mkdtempSync(join(tmpdir(), "opencode-sessions-registry-"))
  const configFile = join(root, "config.yaml")
  writeFileSync(configFile, config(join(root, "storage"), join(root, "users"), upstreamRegistry()))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const printed: string[] = []
  const server = spawn(
    process.execPath,
    [join(REPO_ROOT, "node_modules", "verdaccio", "bin", "verdaccio"), "--config", configFile, "--listen", `127.0.0.1:${port}`],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  )
  server.stdout?.on("data", (data: Buffer) => printed.push(data.toString()))
  server.stderr?.on("data", (data: Buffer) => printed.push(data.toString()))
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve))
      server.kill("SIGTERM")
      const timer = setTimeout(() => server.kill("SIGKILL"), 5_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  }
  try {
    await waitUntilServing(url, server, () => printed.join(""))
    const npmrc = join(root, "npmrc")
    writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${await token(url)}\n`)
    return {
      url,
      async publish(tarball, tag = "latest") {
        await run("npm", ["publish", tarball, "--registry", url, "--tag", tag], { env: { ...process.env, NPM_CONFIG_USERCONFIG: npmrc } })
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
