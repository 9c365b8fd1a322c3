/** What the tool says when it refuses, and what an OpenCode release may lack: each says what was wrong and what is valid. */

/** What an OpenCode release may lack, found by use (host/capabilities.ts); `features` below says each. */
export type Feature = "permission-prompt" | "live-description" | "fork" | "caller-model" | "worktree" | "call-records" | "ask-list"

export const refusals = {
  /** Each says what was wrong, that nothing was done, and what would be valid. */
  refusal: {
    unknownMode: (mode: unknown, modes: readonly string[]) => `session: unknown mode ${JSON.stringify(mode)}. Valid modes: ${modes.join(", ")}.`,
    notText: (field: string, got: unknown) => `session: \`${field}\` must be text (a string); got ${JSON.stringify(got)}. Nothing was done.`,
    badArguments: (problems: readonly string[]) => `session: the arguments do not fit the tool's parameters (${problems.join("; ")}). Nothing was done.`,
    emptyText: (mode: string) => `session: mode "${mode}" needs a non-empty \`text\` (the message the target agent receives).`,
    invalidAgent: (agent: string, why: string, valid: readonly string[]) => `session: agent "${agent}" ${why}. Valid agents: ${valid.join(", ") || "(none)"}.`,
    invalidModel: (model: string, why: string, examples: readonly string[]) =>
      `session: model "${model}" ${why}. Use "provider/model", for example: ${examples.join(", ") || "(no models configured)"}.`,
    subagentCaller: (agent: string) => `session: only primary agents hand work over; "${agent}" is a subagent: answer your caller instead.`,
    compactNeedsModel:
      "session: compact needs the calling turn's model to write the summary, and OpenCode told neither the tool nor the calling message. Use mode message instead.",
    tooDeep: (depth: number, limit: number) =>
      `session: refused: this session is at depth ${depth} (the person's session is 0, what it starts 1, and so on), and a session it started would be at depth ${depth + 1}, past the limit of ${limit} (option maxDepth of the opencode-sessions plugin, set by the person). Nothing was started. Do the work yourself in this session${depth > 0 ? ", and answer the agent that started you" : ""}.`,
    nameTaken: (name: string, holder: string) =>
      `session: name "${name}" is taken: ${holder} has it, and names are unique among the sessions you start. Nothing was started. Choose another name, or leave name out.`,
    badName: (name: unknown) =>
      `session: name ${JSON.stringify(name)} is not valid: use 1 to 24 letters, digits or dashes (for example "researcher" or "impl-2"). Nothing was started.`,
    afterUnknown: (named: string, started: readonly string[]) =>
      `session: after: "${named}" is not a session you started (by name or id), or its start failed. Nothing was started. ${started.length ? `Sessions you started: ${started.slice(-10).join(", ")}.` : "You have started no sessions."}`,
    badAfter: (got: unknown) =>
      `session: after must name sessions you started: a name or id, or a list of them (["researcher", "ses_..."]); got ${JSON.stringify(got)}. Nothing was done.`,
    nameNotHere: (mode: string) => `session: name applies to new and fork only (the started session's name); mode ${mode} takes none.`,
    afterSelf: (name: string) => `session: after: a session cannot wait for itself ("${name}"). Nothing was started.`,
    afterCycle: (name: string, other: string) =>
      `session: after: "${name}" would wait for "${other}", which (started in the same step) waits for "${name}": neither could begin. Nothing was started; start one of them without after.`,
    afterNotHere: (mode: string) =>
      `session: after applies to new and fork only (the session waits for others' answers before it starts); mode ${mode} takes none.`,
    messageNobody: (named: string, started: readonly string[], callerID: string | undefined, siblings: readonly string[]) =>
      `session: message with session "${named}": no such session here. Valid: ` +
      [
        started.length ? `the sessions you started (${started.slice(-10).join(", ")})` : "",
        callerID ? `"caller" (${callerID}, the session that started you)` : "",
        siblings.length ? `the sessions your caller started (${siblings.slice(-10).join(", ")})` : "",
      ]
        .filter(Boolean)
        .join("; ") +
      `${started.length || callerID ? "" : "none"}` +
      `${callerID ? "" : " (this session was not started by the session tool: it has no caller)"}. Leave session out to hand over this conversation. Nothing was sent.`,
    loopGuard: (limit: number) =>
      `session: refused: ${limit} automatic hand-offs in a row without a message from the person (the limit). Answer the person now; the count resets when they write.`,
    unknownReport: (value: unknown) => `session: unknown report ${JSON.stringify(value)}. Valid: true (sent back after your turn), "each", or false.`,
    unknownIsolation: (value: unknown) => `session: unknown isolation ${JSON.stringify(value)}. Valid: "worktree" (new and fork only) or "none".`,
    isolationNotHere: (mode: string) =>
      `session: isolation "worktree" applies to new and fork only; mode ${mode} continues in this conversation and its directory.`,
    isolationNoGit: (directory: string) =>
      `session: isolation "worktree" needs a git repository, and ${directory} is not in one. Leave isolation out to work in this directory.`,
    isolationUnavailable: (why: string) =>
      `session: isolation "worktree" needs OpenCode 1.17 or later (${why}). Leave isolation out to work in this directory.`,
    forkUnavailable: (why: string) => `session: ${why}. Use mode new instead (it starts without this conversation's history).`,
    waitSelf: "session: wait: a session cannot wait for itself (that is this one).",
    waitNotStarted: (named: string, started: readonly string[]) =>
      `session: wait: ${named} is not a session you started. ${started.length ? `Sessions you started: ${started.slice(-10).join(", ")}.` : "You have started no sessions."}`,
    stopSelf: "session: stop: a session cannot stop itself (that is this one). To end your turn, give your final answer.",
    startedValid: (started: readonly string[]) => (started.length ? `Sessions you started: ${started.slice(-10).join(", ")}` : "You have started no sessions"),
    waitTimeout: (got: unknown, max: number) => `session: wait: timeout ${JSON.stringify(got)} is not valid: give a number of seconds from 1 to ${max}.`,
    waitInterrupted: "session: wait interrupted by the person; the sessions keep running (see status).",
    needsSession: (mode: string, valid: string) => `session: mode ${mode} needs \`session\`: the id of an isolated session you started. ${valid}.`,
    notStartedHere: (mode: string, sessionID: string, valid: string) => `session: ${mode}: ${sessionID} is not a session you started. ${valid}.`,
    notIsolated: (mode: string, sessionID: string, valid: string) =>
      `session: ${mode}: ${sessionID} works in your directory (it was started without isolation): there is nothing to ${mode}. ${valid}.`,
    isolatedValid: (isolated: readonly string[]) =>
      isolated.length ? `Isolated sessions you started: ${isolated.join(", ")}` : 'You started no isolated session (new or fork with isolation "worktree")',
    notFinished: (mode: string, sessionID: string) => `session: ${mode}: ${sessionID} has not finished its work; wait for it (mode wait) first.`,
    adoptCollision: (sessionID: string, collisions: readonly string[], directory: string) =>
      `session: adopt refused, nothing applied: you changed ${collisions.join(", ")} since ${sessionID} started, and it changed them too. ` +
      `Its work stays in ${directory}; adopt again once those files are as they were, or discard it.`,
    denied: (pattern: string, where: string) => `session: ${pattern} is denied by ${where}. Nothing was started or queued.`,
    needsApproval: (pattern: string, where: string) =>
      `session: ${pattern} needs the person's approval (${where}), and this OpenCode cannot ask from a plugin: refused, nothing was started or queued. ` +
      `OpenCode 1.17 and later can ask; or set the rule to "allow".`,
    rulesUnreadable: (error: string) => `session: could not read your permission rules, so nothing was done: ${error}`,
    notAccepted: (sessionID: string, seconds: number) =>
      `session: ${sessionID} did not accept its first message within ${seconds} s; it was removed. Try again.`,
  },
  /** What an OpenCode release may lack, and what the plugin does instead (host/capabilities.ts). */
  features: {
    "permission-prompt": {
      what: "plugins asking OpenCode's permission system",
      instead:
        "opencode-sessions applies your permission.session rules itself: deny refuses, and ask refuses too, since this OpenCode cannot ask you from a plugin (OpenCode 1.17 and later can)",
    },
    "live-description": { what: "the tool.definition hook", instead: "the session tool's description is refreshed from the agent list in the background" },
    fork: { what: "forking a session", instead: "mode fork is refused; new starts a session without the history" },
    worktree: {
      what: "moving a session into another directory (POST /experimental/control-plane/move-session)",
      instead: 'isolation "worktree" is refused; new and fork work in the caller\'s directory',
    },
    "call-records": {
      what: "the id of a tool call, to keep a record on it",
      instead:
        "what the session tool does is not recorded, so after a restart it cannot be followed (status, wait, queued hand-offs, waiting starts); the rest works",
    },
    "caller-model": { what: "the calling turn's model in the tool context", instead: "it is read from the calling message" },
    "ask-list": {
      what: "a list of what sessions ask the person now (GET /permission)",
      instead: "asks are known from OpenCode's events as they are made; one made before this copy of the plugin loaded is not",
    },
  } satisfies Record<Feature, { what: string; instead: string }>,
}
