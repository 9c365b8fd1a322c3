/**
 * What the plugin does on each OpenCode release line, as the compatibility suite proves it
 * (`npm run test:compat`) and the README's support table states it (a unit test keeps the two
 * the same). One release of each line is tested; the version named is the one installed.
 */
export type Release = {
  /** The release tested, installed as `opencode-ai@<version>`. */
  version: string
  /** Who applies `permission.session` rules: OpenCode's own prompt, or the plugin (ask → refused). */
  permissions: "opencode" | "plugin"
  /** OpenCode calls the `tool.definition` hook (else the description getter carries the live agents). */
  definitionHook: boolean
  /** Plugin options (`"plugin": [["opencode-sessions", { … }]]`) reach the plugin. */
  options: boolean
  /** `opencode run` marks its session headless (its own rule denying `question`): a report it cannot wait for is announced. */
  headless: boolean
  /** OpenCode can move a session into another directory (1.17+): isolated forks work; before, they are refused. */
  isolation: boolean
  /** Why the isolation test cannot run on this release here, if it cannot. */
  isolationUntested?: string
  /** How OpenCode tells of a permission ask: 1.0's `permission.updated` (no list of pending asks, no question tool), or `permission.asked` and the lists of 1.1 and later. */
  askEvents: "1.0" | "1.1"
  /** Asked to compact during a turn, OpenCode now and then runs the compaction, and the turn, a second time. */
  compactRerun?: boolean
  /** What works differently there, in a few words, for the README. */
  notes: string
}

export const RELEASES: readonly Release[] = [
  {
    version: "1.0.185",
    permissions: "plugin",
    definitionHook: false,
    options: false,
    headless: false,
    isolation: false,
    askEvents: "1.0",
    compactRerun: true,
    isolationUntested:
      'in a scratch git repository this release answers session.create with a server error ("No such file or directory"; its log: storage "failed to run migration")',
    notes:
      "No permission prompt for plugins and `permission.session` is dropped from the config: the plugin reads the rules from your config files. No list of pending asks and no question tool: asks are known from its events as they are made. No `tool.definition` hook: the description is refreshed in the background. A `compact` hand-off is now and then summarized twice, and the caller answers once more: this release, asked to compact during a turn, can run the compaction and the turn again.",
  },
  { version: "1.1.65", permissions: "opencode", definitionHook: true, options: false, headless: true, isolation: false, askEvents: "1.1", notes: "–" },
  { version: "1.2.27", permissions: "opencode", definitionHook: true, options: false, headless: true, isolation: false, askEvents: "1.1", notes: "–" },
  { version: "1.3.2", permissions: "opencode", definitionHook: true, options: false, headless: true, isolation: false, askEvents: "1.1", notes: "–" },
  {
    version: "1.14.41",
    permissions: "plugin",
    definitionHook: true,
    options: true,
    headless: true,
    isolation: false,
    askEvents: "1.1",
    notes: "The tool context's `ask()` returns an effect a plugin cannot run (so do 1.4–1.15.0 by their types): the plugin applies your rules itself.",
  },
  { version: "1.17.19", permissions: "opencode", definitionHook: true, options: true, headless: true, isolation: true, askEvents: "1.1", notes: "–" },
  {
    version: "1.18.33",
    permissions: "opencode",
    definitionHook: true,
    options: true,
    headless: true,
    isolation: true,
    askEvents: "1.1",
    notes: "Pinned: the whole test suite runs on it.",
  },
]

/** The release line of a version: "1.14.41" → "1.14". */
export function lineOf(version: string): string {
  return version.split(".").slice(0, 2).join(".")
}

export function releaseFor(version: string): Release | undefined {
  return RELEASES.find((release) => release.version === version) ?? RELEASES.find((release) => lineOf(release.version) === lineOf(version))
}

/** The README's support table, in Markdown. */
export function supportTable(): string {
  const rows = RELEASES.map((release) => {
    const permissions = release.permissions === "opencode" ? "OpenCode asks (allow / ask / deny)" : "the plugin applies them (allow / deny; ask refuses)"
    const options = release.options ? "yes" : "no: name only"
    const run = release.headless ? "hand-offs, wait; report announced" : "hand-offs, wait; report not announced"
    const refused = release.isolationUntested ? "isolation refused, not tested" : "isolation refused"
    const modes = "message, new, compact, fork, report, wait, stop, follow-up, asks seen, maxDepth"
    const works = release.isolation ? `${modes}, isolation` : `${modes} (${refused})`
    return `| ${lineOf(release.version)} (${release.version}) | ${works} | ${run} | ${permissions} | ${options} | ${release.notes} |`
  })
  return [
    "| OpenCode (tested) | works (tested) | under `opencode run` | `permission.session` rules | options | notes |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n")
}
