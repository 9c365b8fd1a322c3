import type { HandoffBook } from "../core/book.js"
import type { AgentCatalog } from "./host/agents.js"
import type { HostCapabilities } from "./host/capabilities.js"
import type { HeadlessSessions } from "./host/headless.js"
import type { Launcher } from "./started/launcher.js"
import type { LineageStore } from "./started/lineage-store.js"
import type { Notifier } from "./host/notify.js"
import type { Opencode } from "./host/opencode.js"
import type { Options } from "./options.js"
import type { PermissionGate } from "./permission/gate.js"
import type { Reporter } from "./started/reporter.js"
import type { Waits } from "./started/waits.js"
import type { Worktrees } from "./isolation/worktrees.js"
import type { Placement } from "./isolation/placement.js"
import type { CallRecords } from "./tool/records.js"
import type { PendingWork } from "./state/pending-work.js"

/** What the tool and its modes work with: built once per OpenCode instance by the plugin. */
export type Services = {
  opencode: Opencode
  book: HandoffBook
  catalog: AgentCatalog
  notifier: Notifier
  launcher: Launcher
  lineage: LineageStore
  options: Options
  host: HostCapabilities
  permissions: PermissionGate
  reporter: Reporter
  waits: Waits
  headless: HeadlessSessions
  worktrees: Worktrees
  placement: Placement
  records: CallRecords
  pending: PendingWork
}
