import type { Harness } from "./harness.js"

/** Replies "once" to every fork permission request until stopped. */
export function answerForkRequests(oc: Harness) {
  const answered = new Set<string>()
  let stopped = false
  const loop = async () => {
    while (!stopped) {
      const unanswered = () => oc.events.find((e) => e.type === ("permission.asked" as string) && !answered.has((e.properties as { id: string }).id))
      const request = await oc.waitFor("a fork permission request", unanswered, 2_000).catch(() => undefined)
      if (!request) continue
      const id = (request.properties as { id: string }).id
      answered.add(id)
      await fetch(`${oc.url}/permission/${id}/reply?directory=${encodeURIComponent(oc.projectDir)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reply: "once" }),
      })
    }
  }
  const running = loop()
  return {
    stop: async () => {
      stopped = true
      await running
    },
  }
}

/** The permission request `sessionID` makes of the person (1.1 and later: permission.asked), once it is made. */
export async function permissionAskedIn(oc: Harness, sessionID: string, since = 0): Promise<{ id: string; permission: string; patterns: string[] }> {
  const event = await oc.waitFor("a permission request in the session", () =>
    oc.events.slice(since).find((e) => e.type === ("permission.asked" as string) && (e.properties as { sessionID?: string }).sessionID === sessionID),
  )
  return event.properties as unknown as { id: string; permission: string; patterns: string[] }
}

/** The person answers a permission request, as the TUI does. */
export async function replyToPermission(oc: Harness, id: string, reply: "once" | "always" | "reject"): Promise<void> {
  const response = await fetch(`${oc.url}/permission/${id}/reply?directory=${encodeURIComponent(oc.projectDir)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ reply }),
  })
  if (!response.ok) throw new Error(`replying to permission ${id}: HTTP ${response.status} ${await response.text()}`)
}
