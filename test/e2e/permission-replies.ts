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
