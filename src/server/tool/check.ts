import type { ToolContext } from "@opencode-ai/plugin"
import type { Provider } from "@opencode-ai/sdk"
import { SessionName, type ModelRef, type ReportStyle } from "../../core/protocol.js"
import type { Reservation } from "../team/names.js"
import { labelOf } from "./modes/targets.js"
import { z } from "../../core/schema.js"
import type { Call } from "../../core/types.js"
import { EmptyTextError, InvalidModelError, LoopGuardError, SessionToolError } from "../host/errors.js"
import { checkTarget, handoffTargets } from "../host/agents.js"
import type { ToolServices } from "./modes/services.js"
import type { SendingMode, SessionArgs } from "./schema.js"
import { words } from "../words/index.js"

/** What the checks need: the agents, the providers, the loop guard, the options, and where isolation may go. */
export type CheckServices = Pick<ToolServices, "catalog" | "opencode" | "book" | "options" | "placement" | "host" | "lifecycle" | "names">

/**
 * Everything that can refuse a call before the person is asked and anything is queued or sent.
 * `defaultAgent`: who takes the text when the call names no agent (the caller; for a follow-up,
 * the agent of the session it goes to).
 */
export async function checkCall(
  services: CheckServices,
  args: SessionArgs,
  mode: SendingMode,
  context: ToolContext,
  defaultAgent = context.agent,
  reservation?: Reservation,
): Promise<Call> {
  const text = args.text?.trim() ?? ""
  if (!text) throw new EmptyTextError(words.refusal.emptyText(mode))
  const agents = await validationList(services, args.agent?.trim() || defaultAgent)
  if (agents.find((candidate) => candidate.name === context.agent)?.mode === "subagent") {
    throw new SessionToolError(words.refusal.subagentCaller(context.agent))
  }
  const agent = args.agent?.trim() || defaultAgent
  checkTarget(agents, agent)
  const model = args.model ? await checkModel(services, args.model) : undefined
  const summaryModel = mode === "compact" ? await callerModel(services, context) : undefined
  if (mode === "compact" && !summaryModel) {
    throw new SessionToolError(words.refusal.compactNeedsModel)
  }
  const admission = services.book.admit(context.sessionID)
  if (!admission.ok) throw new LoopGuardError(words.refusal.loopGuard(admission.limit))
  const depth = mode === "new" || mode === "fork" ? await startDepth(services, context.sessionID) : undefined
  const team = await teamOf(services, args, mode, context.sessionID, reservation)
  const isolation = isolationOf(args, mode, services.options)
    ? await services.placement.check(context.sessionID, context.messageID, context.directory || undefined)
    : undefined
  return {
    sessionID: context.sessionID,
    messageID: context.messageID,
    callerAgent: context.agent,
    agent,
    text,
    model,
    callerModel: summaryModel,
    report: reportStyle(args.report, services.options),
    isolation,
    depth,
    ...team,
  }
}

/**
 * A start's name (unique among the sessions the caller started, and the starts under way: the
 * call reserved it as it arrived) and the sessions it waits for (`after`: by name or id, each one
 * the caller started; a name started earlier in the same step resolves once that start is made).
 */
async function teamOf(
  services: CheckServices,
  args: SessionArgs,
  mode: SendingMode,
  callerID: string,
  reservation: Reservation | undefined,
): Promise<Pick<Call, "name" | "after">> {
  const name = args.name?.trim() || undefined
  const after = (args.after ?? []).map((one) => one.trim()).filter(Boolean)
  if (mode !== "new" && mode !== "fork") {
    if (after.length) throw new SessionToolError(words.refusal.afterNotHere(mode))
    if (name) throw new SessionToolError(words.refusal.nameNotHere(mode))
    return {}
  }
  if (!name && !after.length) return {}
  if (name && !SessionName.safeParse(name).success) throw new SessionToolError(words.refusal.badName(name))
  const lives = await services.lifecycle.livesOf(callerID, await services.opencode.messages(callerID))
  const holder = name ? lives.find((life) => life.marker.name === name) : undefined
  if (holder) throw new SessionToolError(words.refusal.nameTaken(name ?? "", labelOf(holder)))
  if (name && !reservation) throw new SessionToolError(words.refusal.nameTaken(name, "another start of this step"))
  if (name && after.includes(name)) throw new SessionToolError(words.refusal.afterSelf(name))
  const ids = await Promise.all(after.map((one) => services.names.idOf(callerID, one, lives, name)))
  const unknown = after.find((_, index) => !ids[index])
  if (unknown) throw new SessionToolError(words.refusal.afterUnknown(unknown, lives.map(labelOf)))
  return { ...(name ? { name } : {}), ...(after.length ? { after: [...new Set(ids.filter((id): id is string => id !== undefined))] } : {}) }
}

/** How deep a session `callerID` starts would be; refused past the `maxDepth` option. */
async function startDepth(services: CheckServices, callerID: string): Promise<number> {
  const depth = (await services.lifecycle.depthOf(callerID)) + 1
  if (depth > services.options.maxDepth) throw new SessionToolError(words.refusal.tooDeep(depth - 1, services.options.maxDepth))
  return depth
}

/** `isolation` as asked, or the option's default for new and fork; refused where it cannot apply. */
function isolationOf(args: SessionArgs, mode: SendingMode, options: CheckServices["options"]): boolean {
  const asked = args.isolation
  if (mode !== "new" && mode !== "fork") {
    if (asked === "worktree") throw new SessionToolError(words.refusal.isolationNotHere(mode))
    return false
  }
  return (asked ?? options.isolation) === "worktree"
}

/** `report: true` (or the `report` option) means the `reports` option's style. */
function reportStyle(asked: SessionArgs["report"], options: CheckServices["options"]): ReportStyle {
  const wanted = asked ?? options.report
  if (wanted === true) return options.reports
  return wanted === "each" ? "each" : "none"
}

/**
 * The agent list to validate against: the one fetched before this model request (kept fresh
 * by the description hook) when it accepts the target, so a call costs no extra request;
 * otherwise the server is asked again before anything is refused.
 */
async function validationList(services: CheckServices, target: string) {
  const recent = await services.catalog.recent()
  const acceptable = handoffTargets(recent).some((agent) => agent.name === target)
  return acceptable ? recent : services.catalog.current()
}

async function checkModel(services: CheckServices, name: string): Promise<ModelRef> {
  const slash = name.indexOf("/")
  const providerID = name.slice(0, Math.max(slash, 0))
  const modelID = name.slice(slash + 1)
  const { providers, default: defaults } = await services.opencode.providers()
  const examples = modelExamples(providers, defaults, providerID)
  if (slash <= 0 || slash === name.length - 1) throw new InvalidModelError(words.refusal.invalidModel(name, "is not of the form provider/model", examples))
  const provider = providers.find((candidate) => candidate.id === providerID)
  if (!provider) throw new InvalidModelError(words.refusal.invalidModel(name, `names no configured provider ("${providerID}")`, examples))
  if (!Object.hasOwn(provider.models, modelID))
    throw new InvalidModelError(words.refusal.invalidModel(name, `is not a model of provider "${providerID}"`, examples))
  return { providerID, modelID }
}

/** A few valid names, most useful first: the named provider's, then the ones the person configured. */
function modelExamples(providers: Provider[], defaults: Record<string, string>, preferred: string): string[] {
  const rank = (provider: Provider) => (provider.id === preferred ? 0 : provider.source === "config" ? 1 : 2)
  return [...providers]
    .sort((a, b) => rank(a) - rank(b))
    .flatMap((provider) => {
      const ids = Object.keys(provider.models)
      const fallback = defaults[provider.id]
      // A provider's default model first: the likeliest to be meant.
      return (fallback && ids.includes(fallback) ? [fallback, ...ids.filter((id) => id !== fallback)] : ids).map((id) => `${provider.id}/${id}`)
    })
    .slice(0, 5)
}

const ModelOfContext = z.object({ model: z.object({ id: z.string(), providerID: z.string() }) })

/**
 * The calling turn's model: recent releases pass it as an untyped `extra.model`
 * ({ id, providerID }); older ones only store it on the calling message.
 */
async function callerModel(services: CheckServices, context: ToolContext): Promise<ModelRef | undefined> {
  const model = ModelOfContext.safeParse(Reflect.get(context, "extra")).data?.model
  if (model) return { providerID: model.providerID, modelID: model.id }
  services.host.lacks("caller-model", "no extra.model")
  return services.opencode.messageModel(context.sessionID, context.messageID)
}
