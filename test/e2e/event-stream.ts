import type { Event } from "@opencode-ai/sdk"

/** Reads the server's SSE event stream; resolves once the stream is connected. */
export async function subscribeEvents(url: string, directory: string, signal: AbortSignal, onEvent: (event: Event) => void) {
  // Right after a start the first connection can be reset while the project boots: try again.
  let response: Response | undefined
  for (let attempt = 1; !response; attempt++) {
    try {
      response = await fetch(`${url}/event?directory=${encodeURIComponent(directory)}`, { signal })
    } catch (error) {
      if (attempt >= 5 || signal.aborted) throw error
      await new Promise((resolveRetry) => setTimeout(resolveRetry, 250))
    }
  }
  if (!response.ok || !response.body) throw new Error(`event stream failed: HTTP ${response.status}`)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  const pump = async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let boundary = buffer.indexOf("\n\n")
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary)
        buffer = buffer.slice(boundary + 2)
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trim())
          .join("\n")
        if (data) onEvent(JSON.parse(data) as Event)
        boundary = buffer.indexOf("\n\n")
      }
    }
  }
  pump().catch((error: unknown) => {
    if (!signal.aborted) process.stderr.write(`e2e harness: event stream ended: ${String(error)}\n`)
  })
}
