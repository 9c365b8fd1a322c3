/** First words of a text on one line, cut to `max` characters with an ellipsis. */
export function excerpt(text: string, max: number, ellipsis = "…"): string {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - ellipsis.length).trimEnd()}${ellipsis}` : flat
}

/**
 * A title a person recognises in the session list: the agent and the first words of the task.
 * Plain ASCII: a model reads it too, in the tool's results.
 */
/** A session as a model names it: `name (id)`, or its id when it has no name. */
export function sessionLabel(sessionID: string, name?: string): string {
  return name ? `${name} (${sessionID})` : sessionID
}

export function sessionTitle(mode: "new" | "fork", agent: string, text: string, name?: string): string {
  const task = excerpt(text.split("\n").find((line) => line.trim()) ?? text, 50, "...")
  return `${name ? `${name} - ` : ""}${mode === "fork" ? "Fork" : "New"} (${agent}): ${task}`
}
