import { tool, type ToolContext } from "@opencode-ai/plugin"
import type { Provider } from "@opencode-ai/sdk"
import { checkTarget, handoffTargets } from "../host/agents.js"
import { EmptyTextError, InvalidModelError, LoopGuardError, SessionToolError, describeError } from "../errors.js"
import { compact } from "./modes/compact.js"
import { fork } from "./modes/fork.js"
import { message } from "./modes/message.js"
import { newSession } from "./modes/new.js"
import { status } from "./modes/status.js"
import { wait } from "./modes/wait.js"
import { adopt, discard } from "./modes/adopt.js"
import type { ReportStyle } from "../../core/protocol.js"
import type { Call, ModelRef } from "../../core/types.js"
import type { Services } from "../services.js"
import { MODES, sessionArgs, type SendingMode, type SessionArgs } from "./schema.js"
import type { Done } from "./done.js"
import { words } from "./words.js"

export function sessionTool(services: Services) {
  return tool({
    // Releases without the `tool.definition` hook read the description when they build each
    // model request: a getter gives them the live agent list too.
    get description() {
      const agents = services.catalog.known()
      return agents ? words.description(handoffTargets(agents)) : words.fallbackDescription
    },
    args: sessionArgs(services.options),
    async execute(args, context) {
      services.host.expect("live-description", "it was not called before this model request")
      const callID = services.records.callIDOf(context, args)
      // OpenCode does not check the arguments against the schema before calling.
      if (!MODES.includes(args.mode)) {
        await report(services, context, String(args.mode), async () => {
          throw new SessionToolError(words.refusal.unknownMode(args.mode, MODES))
        })
      }
      if (args.mode === "status") return withNotes(services, await report(services, context, args.mode, () => status(services, context.sessionID)))
      if (args.mode === "wait") {
        const call = { sessionID: context.sessionID, session: args.session, timeout: args.timeout, abort: context.abort }
        return withNotes(services, recorded(services, callID, await report(services, context, args.mode, () => wait(services, call))))
      }
      if (args.mode === "adopt") return withNotes(services, await report(services, context, args.mode, () => adopt(services, context, args.session)))
      if (args.mode === "discard") return withNotes(services, await report(services, context, args.mode, () => discard(services, context, args.session)))
      const mode = args.mode
      const checked = { ...(await report(services, context, mode, () => checkCall(services, args, mode, context))), callID }
      await services.permissions.check(context, { mode, agent: checked.agent, text: checked.text })
      const done = await report(services, context, mode, () => act(services, mode, checked))
      // Noted before the call returns: if OpenCode stops now, the next start does what was accepted.
      if (owesLater(done)) services.pending.mark(context.sessionID)
      const result = recorded(services, callID, done)
      const ignored = args.report !== undefined && (mode === "message" || mode === "compact")
      return withNotes(services, ignored ? `${result}${words.result.reportIgnored}` : result)
    },
  })
}

/** The call's record goes onto its tool part as it completes (tool/records.ts); the model reads only the words. */
function recorded(services: Services, callID: string | undefined, done: Done): string {
  if (done.record && callID) services.records.keep(callID, done.record)
  else if (done.record) services.host.lacks("call-records", "the tool context carries no call id")
  return done.text
}

/** A hand-off to deliver, a start waiting for a place, a report to send: work the plugin owes the caller. */
function owesLater({ record }: Done): boolean {
  return record?.kind === "handoff" || (record?.kind === "started" && (record.waiting || record.report !== "none"))
}

/** What this OpenCode cannot do, said in the first result after it was found (and as a toast). */
function withNotes(services: Services, result: string): string {
  const notes = services.host.takeUnsaid()
  return notes.length ? `${result}\n${notes.join("\n")}` : result
}

/** Refusals and failures reach the person too (toast and log), not only the model. */
async function report<T>(services: Services, context: ToolContext, mode: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof SessionToolError) services.notifier.warn(error.message, { sessionID: context.sessionID })
    else services.notifier.error(`session tool (${mode}) failed: ${describeError(error)}`, { sessionID: context.sessionID })
    throw error
  }
}

async function act(services: Services, mode: SendingMode, call: Call): Promise<Done> {
  // Checked right before acting, after the wait for permission, so parallel calls count each other.
  const admission = services.book.admit(call.sessionID)
  if (!admission.ok) throw new LoopGuardError(admission.limit)
  switch (mode) {
    case "message":
      return message(services, call)
    case "compact":
      return compact(services, call)
    case "new":
    case "fork": {
      const done = mode === "new" ? await newSession(services, call) : await fork(services, call)
      return { ...done, text: done.text + (await headlessNote(services, call)) }
    }
  }
}

/**
 * A client that ends with the caller's turn (`opencode run`) would end before a report comes:
 * said at call time, with the way to have the answer within the turn.
 */
async function headlessNote(services: Services, call: Call): Promise<string> {
  if (call.report === "none" || !(await services.headless.isHeadless(call.sessionID))) return ""
  return words.result.headless
}

/** Everything that can refuse a call before the person is asked and anything is queued or sent. */
async function checkCall(services: Services, args: SessionArgs, mode: SendingMode, context: ToolContext): Promise<Call> {
  const text = args.text?.trim() ?? ""
  if (!text) throw new EmptyTextError(mode)
  const agents = await validationList(services, args.agent?.trim() || context.agent)
  if (agents.find((candidate) => candidate.name === context.agent)?.mode === "subagent") {
    throw new SessionToolError(words.refusal.subagentCaller(context.agent))
  }
  const agent = args.agent?.trim() || context.agent
  checkTarget(agents, agent)
  const model = args.model ? await checkModel(services, args.model) : undefined
  const summaryModel = mode === "compact" ? await callerModel(services, context) : undefined
  if (mode === "compact" && !summaryModel) {
    throw new SessionToolError(words.refusal.compactNeedsModel)
  }
  const admission = services.book.admit(context.sessionID)
  if (!admission.ok) throw new LoopGuardError(admission.limit)
  const isolation = isolationOf(args, mode, services.options) ? await services.placement.check(context.sessionID, context.messageID, context.directory || undefined) : undefined
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
  }
}

/** `isolation` as asked, or the option's default for new and fork; refused where it cannot apply. */
function isolationOf(args: SessionArgs, mode: SendingMode, options: Services["options"]): boolean {
  const asked = args.isolation?.trim() || undefined
  if (asked !== undefined && asked !== "worktree" && asked !== "none") {
    throw new SessionToolError(words.refusal.unknownIsolation(asked))
  }
  if (mode !== "new" && mode !== "fork") {
    if (asked === "worktree") throw new SessionToolError(words.refusal.isolationNotHere(mode))
    return false
  }
  return (asked ?? options.isolation) === "worktree"
}

/** `report: true` (or the `report` option) means the `reports` option's style. */
function reportStyle(asked: SessionArgs["report"], options: Services["options"]): ReportStyle {
  const wanted = asked ?? options.report
  return wanted === true ? options.reports : wanted === false ? "none" : wanted
}

/**
 * The agent list to validate against: the one fetched before this model request (kept fresh
 * by the description hook) when it accepts the target, so a call costs no extra request;
 * otherwise the server is asked again before anything is refused.
 */
async function validationList(services: Services, target: string) {
  const recent = await services.catalog.recent()
  const acceptable = handoffTargets(recent).some((agent) => agent.name === target)
  return acceptable ? recent : services.catalog.current()
}

async function checkModel(services: Services, name: string): Promise<ModelRef> {
  const slash = name.indexOf("/")
  const providerID = name.slice(0, Math.max(slash, 0))
  const modelID = name.slice(slash + 1)
  const { providers, default: defaults } = await services.opencode.providers()
  const examples = modelExamples(providers, defaults, providerID)
  if (slash <= 0 || slash === name.length - 1) throw new InvalidModelError(name, "is not of the form provider/model", examples)
  const provider = providers.find((candidate) => candidate.id === providerID)
  if (!provider) throw new InvalidModelError(name, `names no configured provider ("${providerID}")`, examples)
  if (!provider.models[modelID]) throw new InvalidModelError(name, `is not a model of provider "${providerID}"`, examples)
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

/**
 * The calling turn's model: recent releases pass it as an untyped `extra.model`
 * ({ id, providerID }); older ones only store it on the calling message.
 */
async function callerModel(services: Services, context: ToolContext): Promise<ModelRef | undefined> {
  const model = (context as ToolContext & { extra?: { model?: { id?: unknown; providerID?: unknown } } }).extra?.model
  if (typeof model?.id === "string" && typeof model.providerID === "string") return { providerID: model.providerID, modelID: model.id }
  services.host.lacks("caller-model", "no extra.model")
  return services.opencode.messageModel(context.sessionID, context.messageID)
}
