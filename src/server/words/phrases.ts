/** Phrases the words of results and of how sessions stand share. Plain ASCII. */
import { excerpt, sessionLabel } from "../../core/format.js"
import type { Ask } from "../../core/life.js"
import { totalSpent, type Spent } from "../../core/outcome.js"
import type { StopMarker } from "../../core/protocol.js"
import type { FileChange } from "../../core/types.js"

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`
export const ascii = (text: string) => text.replace(/\u2026/g, "...")

/** A session as a model reads it: `name (id) "title"`, or `id "title"` when it has no name. */
export function labelled(session: { sessionID: string; title: string; name?: string }): string {
  return `${sessionLabel(session.sessionID, session.name)} "${ascii(session.title)}"`
}

export function fileList(files: readonly FileChange[]): string {
  return files.map((file) => `${file.path} +${file.additions} -${file.deletions}`).join(", ")
}

/** What sessions ask the person, in a few words: `permission bash: npm test`, `question "Which branch?"`. */
export function asksText(asks: readonly Ask[]): string {
  return asks.map((ask) => (ask.kind === "permission" ? `permission ${ascii(ask.what)}` : `question "${ascii(excerpt(ask.what, 100, "..."))}"`)).join(", ")
}

export function stopReason(stop: Pick<StopMarker, "by" | "limit" | "used">): string {
  switch (stop.by) {
    case "caller":
      return "the agent that started it stopped it"
    case "interrupt":
      return "the person interrupted the turn that started it"
    case "person":
      return "the person stopped it"
    case "max-tokens":
      return `it used ${stop.used ?? "more"} tokens, over the limit of ${stop.limit ?? "?"} (option maxTokens)`
    case "max-tree-tokens":
      return `the sessions started under the person's session used ${stop.used ?? "more"} tokens together, over the limit of ${stop.limit ?? "?"} (option maxTreeTokens)`
  }
}

/** Whether the model reported any use at all: a provider that reports none shows no figures rather than zeros. */
export function reported(spent: Spent | undefined): spent is Spent {
  return spent !== undefined && (spent.input > 0 || spent.output > 0 || spent.cost > 0)
}

/** Tokens as the model reported them, and the cost as OpenCode priced them. */
export function spentText(spent: Spent): string {
  return `tokens ${spent.input} in, ${spent.output} out${spent.cost > 0 ? `, $${spent.cost.toFixed(4)}` : ""}`
}

/** What these cost together, of those that reported any use. */
export function totalText(spent: ReadonlyArray<Spent | undefined>): string | undefined {
  const used = spent.filter(reported)
  return used.length ? spentText(totalSpent(used)) : undefined
}
