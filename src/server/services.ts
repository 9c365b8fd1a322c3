import type { PluginInput } from "@opencode-ai/plugin"
import { join } from "node:path"
import { HandoffBook } from "../core/book.js"
import { describeError } from "./errors.js"
import { Delivery } from "./handoff/delivery.js"
import { Joiner } from "./handoff/joiner.js"
import { AgentCatalog } from "./host/agents.js"
import { HostCapabilities } from "./host/capabilities.js"
import { HeadlessSessions } from "./host/headless.js"
import { Notifier } from "./host/notify.js"
import { Opencode } from "./host/opencode.js"
import { TuiPartWatch, tuiPartListedIn } from "./host/tui-part.js"
import { worktreeState } from "./isolation/describe.js"
import { Placement } from "./isolation/placement.js"
import { Worktrees } from "./isolation/worktrees.js"
import type { Options } from "./options.js"
import { PermissionGate } from "./permission/gate.js"
import { FirstTurns } from "./started/first-turn.js"
import { Launcher } from "./started/launcher.js"
import { LineageStore } from "./started/lineage-store.js"
import { Places } from "./started/places.js"
import { Reporter } from "./started/reporter.js"
import { FollowUps } from "./started/follow-ups.js"
import { Stopper } from "./started/stopper.js"
import { TokenLimit } from "./started/token-limit.js"
import { Waits } from "./started/waits.js"
import { FileClaims } from "./state/claims.js"
import { stateHome } from "./state/files.js"
import { PendingCallers } from "./state/pending.js"
import { PendingWork } from "./state/pending-work.js"
import { Recovery } from "./state/recovery.js"
import { CallRecords } from "./tool/records.js"

/** What the tool and its modes work with; each mode takes only the ones it uses. */
export type Services = {
  opencode: Opencode
  book: HandoffBook
  catalog: AgentCatalog
  notifier: Notifier
  launcher: Launcher
  places: Places
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
  delivery: Delivery
  followUps: FollowUps
  stopper: Stopper
  turns: FirstTurns
}

/** Everything one plugin instance holds: the services, and the parts only its hooks drive. */
export type Parts = Services & { joiner: Joiner; recovery: Recovery; tuiPart: TuiPartWatch; tokenLimit: TokenLimit }

export type Where = Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory" | "worktree">>

/**
 * Builds one plugin instance's parts, each from those built before it. Nothing here calls the
 * server: OpenCode is not serving yet while the plugin's factory runs.
 */
export function buildParts(input: Where, options: Options): Parts {
  const directory = input.directory ?? process.cwd()
  const opencode = new Opencode(input.client)
  const notifier = new Notifier(opencode, options.toasts)
  const host = new HostCapabilities(notifier)
  const book = new HandoffBook(options.maxAutomaticHandoffs)
  const catalog = new AgentCatalog(opencode, (error) => notifier.error(`Could not refresh the agent list: ${describeError(error)}`))
  const lineage = new LineageStore(opencode)
  const places = new Places()
  const claims = new FileClaims(join(stateHome(), "claims"))
  const callers = new PendingCallers(stateHome(), directory, claims)
  const followUps = new FollowUps(book)
  const delivery = new Delivery({ opencode, book, notifier, followUps })
  const joiner = new Joiner({ opencode, book, notifier, followUps, kick: (sessionID) => delivery.kick(sessionID) })
  const worktrees = new Worktrees(opencode, notifier, input.directory)
  const placement = new Placement(opencode, host, notifier)
  const reporter = new Reporter({
    opencode,
    book,
    lineage,
    delivery,
    notifier,
    places,
    followUps,
    shared: claims,
    worktreeOf: (id, isolation) => worktreeState(worktrees, id, isolation),
  })
  const owes = (sessionID: string): boolean =>
    book.pending(sessionID).length > 0 ||
    places.waitingFor(sessionID).length > 0 ||
    lineage.knownChildren(sessionID).some((child) => (lineage.known(child)?.report ?? "none") !== "none" && !reporter.reported(child)) ||
    followUps.owedTo(sessionID, (key) => reporter.reported(key))
  const pending = new PendingWork(callers, owes, notifier)
  const waits = new Waits()
  const turns = new FirstTurns({ opencode, lineage, placement, notifier })
  const stopper = new Stopper({ opencode, book, places, lineage, notifier })
  const launcher = new Launcher({
    turns,
    places,
    book,
    lineage,
    reporter,
    notifier,
    waits,
    worktrees,
    maxRunning: options.maxRunning,
    turnEnded: (sessionID) => {
      stopper.turnEnded(sessionID)
      delivery.kick(sessionID)
    },
  })
  const tokenLimit = new TokenLimit({ lineage, stopper, notifier, maxTokens: options.maxTokens })
  const headless = new HeadlessSessions(opencode, notifier)
  const permissions = new PermissionGate({ opencode, location: { directory: input.directory, worktree: input.worktree, env: process.env }, host, notifier })
  const recovery = new Recovery({
    opencode,
    book,
    delivery,
    launcher,
    reporter,
    followUps,
    callers,
    claims,
    notifier,
    settle: (sessionID) => pending.settle(sessionID),
  })
  const tuiPart = new TuiPartWatch({
    listedIn: () => tuiPartListedIn(process.env, directory, input.worktree),
    isHeadless: (sessionID) => headless.isHeadless(sessionID),
    warn: (message) => notifier.warn(message),
  })
  const records = new CallRecords()
  return {
    ...{
      opencode,
      book,
      catalog,
      notifier,
      launcher,
      places,
      lineage,
      options,
      host,
      permissions,
      reporter,
      waits,
      headless,
      worktrees,
      placement,
      records,
      pending,
      delivery,
      followUps,
      stopper,
      turns,
    },
    ...{ joiner, recovery, tuiPart, tokenLimit },
  }
}
