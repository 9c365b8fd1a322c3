/**
 * OpenCode's permission rules, read the way OpenCode reads them, for releases whose plugin API
 * cannot apply them to our tool itself: config `permission` (global), then the calling agent's
 * `agent.<name>.permission`, each entry in written order; the last rule that matches both the
 * permission name and the pattern wins; with no matching rule the action is "allow" (OpenCode's
 * own default rule for every permission).
 */
export type Action = "allow" | "ask" | "deny"
export type Rule = { permission: string; pattern: string; action: Action; source: string }

const ACTIONS: readonly string[] = ["allow", "ask", "deny"]

function isAction(value: unknown): value is Action {
  return typeof value === "string" && ACTIONS.includes(value)
}

/** Rules from one `permission` value: `"deny"`, `{ session: "deny" }` or `{ session: { "new:*": "deny" } }`. */
export function rulesFrom(permission: unknown, source: string): Rule[] {
  if (isAction(permission)) return [{ permission: "*", pattern: "*", action: permission, source }]
  if (!permission || typeof permission !== "object") return []
  return Object.entries(permission as Record<string, unknown>).flatMap(([name, value]): Rule[] => {
    if (isAction(value)) return [{ permission: name, pattern: "*", action: value, source }]
    if (!value || typeof value !== "object") return []
    return Object.entries(value as Record<string, unknown>)
      .filter((entry): entry is [string, Action] => isAction(entry[1]))
      .map(([pattern, action]) => ({ permission: name, pattern, action, source }))
  })
}

type PermissionConfig = { permission?: unknown; agent?: Record<string, { permission?: unknown } | undefined> }

/**
 * The rules that apply to `agent`: every source's global ones first, then every source's rules
 * of the agent itself (so they win); within each, sources in the order given.
 */
export function rulesForAgent(configs: PermissionConfig | readonly PermissionConfig[], agent: string): Rule[] {
  const sources: readonly PermissionConfig[] = Array.isArray(configs) ? (configs as readonly PermissionConfig[]) : [configs as PermissionConfig]
  return [
    ...sources.flatMap((config) => rulesFrom(config.permission, "permission")),
    ...sources.flatMap((config) => rulesFrom(config.agent?.[agent]?.permission, `agent.${agent}.permission`)),
  ]
}

/** `*` matches any run of characters, `?` one character; the whole text must match. */
export function wildcardMatch(text: string, pattern: string): boolean {
  const source = pattern
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("")
  return new RegExp(`^${source}$`, "s").test(text)
}

export type Verdict = { action: Action; rule?: Rule }

export function evaluate(rules: readonly Rule[], permission: string, pattern: string): Verdict {
  for (let index = rules.length - 1; index >= 0; index--) {
    const rule = rules[index]!
    if (wildcardMatch(permission, rule.permission) && wildcardMatch(pattern, rule.pattern)) return { action: rule.action, rule }
  }
  return { action: "allow" }
}
