/** What an OpenCode release may lack, found by use (host/capabilities.ts); words/refusals.ts says each. */
export type Feature = "permission-prompt" | "live-description" | "fork" | "caller-model" | "worktree" | "call-records"
