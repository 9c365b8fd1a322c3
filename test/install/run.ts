import { spawn, type SpawnOptions } from "node:child_process"

/** Runs a command to its end; resolves with what it printed, or rejects with that and its exit code. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] })
    const printed: string[] = []
    child.stdout?.on("data", (data: Buffer) => printed.push(data.toString()))
    child.stderr?.on("data", (data: Buffer) => printed.push(data.toString()))
    child.once("error", reject)
    child.once("exit", (code) => {
      if (code === 0) resolve(printed.join(""))
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${printed.join("")}`))
    })
  })
}
