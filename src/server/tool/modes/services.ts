import type { Bus } from "../../../core/bus.js"
import type { CallRecord } from "../../../core/protocol.js"
import type { HandoffBook } from "../../../core/book.js"
import type { Delivery } from "../../handoff/delivery.js"
import type { AgentCatalog } from "../../host/agents.js"
import type { HostCapabilities } from "../../host/capabilities.js"
import type { HeadlessSessions } from "../../host/headless.js"
import type { Notifier } from "../../host/notify.js"
import type { Opencode } from "../../host/opencode.js"
import type { Options } from "../../host/options.js"
import type { Placement } from "../../isolation/placement.js"
import type { Worktrees } from "../../isolation/worktrees.js"
import type { Lifecycle } from "../../lifecycle/lifecycle.js"
import type { PermissionGate } from "../../permission/gate.js"
import type { FirstTurns } from "../../started/first-turn.js"
import type { Launcher } from "../../started/launcher.js"
import type { Reporter } from "../../started/reporter.js"
import type { Stopper } from "../../started/stopper.js"
import type { PendingCallers } from "../../state/pending.js"
import type { Names } from "../../team/names.js"
import type { Replies } from "../../team/replies.js"
import type { Wording } from "../../words/index.js"

/** What a mode did: the words the model reads, and the record its call leaves for the plugin (tool/records.ts puts it on the call). */
export type Done = { text: string; record?: CallRecord }

/** What the tool and its modes work with (server/services.ts builds them); each mode takes only the ones it uses. */
export type ToolServices = {
  opencode: Opencode
  bus: Bus
  book: HandoffBook
  lifecycle: Lifecycle
  catalog: AgentCatalog
  notifier: Notifier
  launcher: Launcher
  options: Options
  host: HostCapabilities
  permissions: PermissionGate
  reporter: Reporter
  headless: HeadlessSessions
  worktrees: Worktrees
  placement: Placement
  pending: PendingCallers
  delivery: Delivery
  stopper: Stopper
  turns: FirstTurns
  names: Names
  replies: Replies
  /** How words reach the model (as written; turned around for a test). */
  wording: Wording
}
