/**
 * A scripted OpenAI-compatible model for end-to-end tests and the demo.
 *
 * It answers `POST /v1/chat/completions` with an SSE stream. What it answers is decided by
 * directive lines in the newest user message, so a test can make a real agent call a real
 * tool by writing text:
 *
 *   @session {"mode":"message","agent":"plan","text":"..."}   call the `session` tool
 *                                                             (several lines: parallel calls)
 *   @bash some command   call OpenCode's `bash` tool with this command (in the same step as
 *                        any @session calls)
 *   @call name {...}  call any other tool by name with these arguments (in the same step too)
 *   @delay 3000      wait this many milliseconds before answering
 *   @fail            answer with a non-retryable HTTP 400 error
 *   @hang            never answer (until the client hangs up)
 *   @say some text   answer with this text
 *   @usage 1200 80   report this use (prompt, completion tokens) with the answer
 *   @after-tool @X   apply directive @X to the answer after the first tool results instead
 *                    (`@after-tool @hang`: the turn calls the tool, then hangs;
 *                    `@after-tool @session {...}`: a second, later tool call in the same turn)
 *
 * A nested hand-off is just JSON: `text` can hold further `@session` lines, escaped by
 * JSON.stringify, and they become directives when that text is delivered to the next agent.
 * After a tool result the model answers "Done." with the first line of each result.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type ChatMessage = {
  role: "system" | "user" | "assistant" | "tool"
  content?: string | Array<{ type: string; text?: string }> | null
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>
  tool_call_id?: string
}

export type ChatTool = { type: "function"; function: { name: string; description?: string; parameters?: unknown } }

export type RecordedRequest = {
  at: number
  model: string
  messages: ChatMessage[]
  tools: ChatTool[]
  reply: "text" | "tool_calls" | "error" | "hang"
}

export type ScriptedModel = {
  url: string
  requests: RecordedRequest[]
  /** The `session` tool exactly as the last request that carried it sent it to the model. */
  lastSessionTool(): ChatTool | undefined
  close(): Promise<void>
}

type Directives = {
  sessionCalls: string[]
  bashCommands: string[]
  otherCalls: Array<{ name: string; args: string }>
  delayMs: number
  fail: boolean
  hang: boolean
  say?: string
  /** Tokens the answer reports (`@usage <prompt> <completion>`); a small fixed use otherwise. */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

export function contentText(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content
  if (!Array.isArray(message.content)) return ""
  return message.content.map((part) => part.text ?? "").join("\n")
}

export function readDirectives(text: string, afterTool = false): Directives {
  const directives: Directives = { sessionCalls: [], bashCommands: [], otherCalls: [], delayMs: 0, fail: false, hang: false }
  for (const raw of text.split("\n")) {
    let line = raw.trim()
    const deferred = line.startsWith("@after-tool ")
    if (deferred !== afterTool) continue
    if (deferred) line = line.slice("@after-tool ".length).trim()
    if (line.startsWith("@session ")) directives.sessionCalls.push(line.slice("@session ".length).trim())
    else if (line.startsWith("@bash ")) directives.bashCommands.push(line.slice("@bash ".length).trim())
    else if (line.startsWith("@call ")) {
      const [name = "", ...args] = line.slice("@call ".length).trim().split(" ")
      directives.otherCalls.push({ name, args: args.join(" ") || "{}" })
    } else if (line.startsWith("@delay ")) directives.delayMs = Number(line.slice("@delay ".length)) || 0
    else if (line === "@fail") directives.fail = true
    else if (line === "@hang") directives.hang = true
    else if (line.startsWith("@say ")) directives.say = line.slice("@say ".length)
    else if (line.startsWith("@usage ")) {
      const [prompt = 0, completion = 0] = line.slice("@usage ".length).trim().split(/\s+/).map(Number)
      directives.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
    }
  }
  return directives
}

/** Text without directive lines, on one line: what a person would read. */
export function plainWords(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.trim().startsWith("@"))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim()
}

function chunk(model: string, delta: object, finish: string | null = null, usage?: object) {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  }
}

const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return Buffer.concat(parts).toString("utf8")
}

export async function startScriptedModel(): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = []
  let callCounter = 0

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: `scripted model: no route ${req.method} ${req.url}` } }))
      return
    }
    const body = JSON.parse(await readBody(req)) as { model: string; messages: ChatMessage[]; tools?: ChatTool[] }
    const tools = body.tools ?? []
    const last = body.messages[body.messages.length - 1]
    const lastIsUser = last?.role === "user"
    const lastUserAt = body.messages.map((message) => message.role).lastIndexOf("user")
    const lastUser = body.messages[lastUserAt]
    // `@after-tool` directives apply to the first answer after the first tool results only.
    const toolSteps = body.messages.slice(lastUserAt + 1).filter((message) => message.tool_calls?.length).length
    const directives = lastIsUser
      ? readDirectives(contentText(last))
      : readDirectives(last?.role === "tool" && lastUser && toolSteps === 1 ? contentText(lastUser) : "", true)
    const canCallSession = tools.some((t) => t.function.name === "session")
    const canCallBash = tools.some((t) => t.function.name === "bash")
    const calls = [
      ...(canCallSession ? directives.sessionCalls.map((args) => ({ name: "session", args })) : []),
      ...(canCallBash ? directives.bashCommands.map((command) => ({ name: "bash", args: JSON.stringify({ command, description: "scripted command" }) })) : []),
      ...directives.otherCalls.filter((call) => tools.some((t) => t.function.name === call.name)),
    ]
    const callsTools = calls.length > 0

    const reply: RecordedRequest["reply"] = directives.hang ? "hang" : directives.fail ? "error" : callsTools ? "tool_calls" : "text"
    requests.push({ at: Date.now(), model: body.model, messages: body.messages, tools, reply })

    if (directives.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, directives.delayMs))
    if (reply === "hang") {
      res.writeHead(200, { "content-type": "text/event-stream" })
      req.on("close", () => res.end())
      return
    }
    if (reply === "error") {
      res.writeHead(400, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: "scripted failure (@fail)", type: "invalid_request_error" } }))
      return
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
    const send = (data: object) => res.write(`data: ${JSON.stringify(data)}\n\n`)
    send(chunk(body.model, { role: "assistant", content: "" }))
    if (reply === "tool_calls") {
      calls.forEach(({ name, args }, index) => {
        callCounter += 1
        send(
          chunk(body.model, {
            tool_calls: [{ index, id: `call_${callCounter}`, type: "function", function: { name, arguments: args } }],
          }),
        )
      })
      send(chunk(body.model, {}, "tool_calls", directives.usage ?? USAGE))
    } else {
      send(chunk(body.model, { content: textReply(body.model, body.messages, directives) }))
      send(chunk(body.model, {}, "stop", directives.usage ?? USAGE))
    }
    res.write("data: [DONE]\n\n")
    res.end()
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: { message: `scripted model crashed: ${String(error)}` } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    lastSessionTool() {
      for (let i = requests.length - 1; i >= 0; i--) {
        const found = requests[i]?.tools.find((t) => t.function.name === "session")
        if (found) return found
      }
      return undefined
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function textReply(model: string, messages: ChatMessage[], directives: Directives): string {
  if (directives.say) return directives.say
  const last = messages[messages.length - 1]
  if (last?.role === "tool") {
    const results: string[] = []
    for (let i = messages.length - 1; i >= 0 && messages[i]?.role === "tool"; i--) {
      results.unshift(contentText(messages[i]!).split("\n")[0] ?? "")
    }
    return `Done. ${results.join(" | ")}`
  }
  // A hand-off or report starts with a bracketed header line: answer what follows it.
  const words = last ? plainWords(contentText(last)).replace(/^\[[^\]]*\]\s*/, "") : ""
  return `[${model}] noted: ${words.slice(0, 240)}`
}
