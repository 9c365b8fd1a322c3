import { tool, type ToolContext } from "@opencode-ai/plugin"
import type { Call } from "../../core/types.js"
import { handoffTargets } from "../host/agents.js"
import { describeError, LoopGuardError, SessionToolError } from "../host/errors.js"
import { words } from "../words/index.js"
import { checkCall } from "./check.js"
import { adopt, discard } from "./modes/adopt.js"
import { followUp } from "./modes/follow-up.js"
import { compact, message } from "./modes/message.js"
import { fork, newSession } from "./modes/start.js"
import { status } from "./modes/status.js"
import { stop } from "./modes/stop.js"
import { wait } from "./modes/wait.js"
import type { CallRecords } from "./records.js"
import { parseArgs, sessionArgs, type SendingMode } from "./schema.js"
import type { Done, ToolServices } from "./modes/services.js"
import { childID, knownTarget, messageTarget, type MessageTarget } from "./modes/targets.js"
import type { Reservation } from "../team/names.js"

type Services = ToolServices & { records: CallRecords }

export function sessionTool(services: Services) {
  const { wording } = services
  return tool({
    // Releases without the `tool.definition` hook read the description when they build each
    // model request: a getter gives them the live agent list too.
    get description() {
      const agents = services.catalog.known()
      return wording(agents ? words.description(handoffTargets(agents)) : words.fallbackDescription)
    },
    args: sessionArgs(services.options, wording),
    async execute(raw, context) {
      try {
        return wording(await run(services, raw, context))
      } catch (error) {
        // The model reads a refusal as the failed call's text: it is worded like the rest.
        if (error instanceof SessionToolError) error.message = wording(error.message)
        throw error
      }
    },
  })
}

/** One call of the tool: the arguments checked, the mode done, its record kept; the words for the model. */
async function run(services: Services, raw: Record<string, unknown>, context: ToolContext): Promise<string> {
  services.host.expect("live-description", "it was not called before this model request")
  // The tool runs inside the caller's turn (on 1.0 the only sign of it this copy may get).
  services.lifecycle.began(context.sessionID)
  const callID = services.records.callIDOf(context, raw)
  const arrival = performance.now()
  // Before anything is awaited: a start later in this step may wait `after` this one by its name.
  const reservation = reserveName(services, context.sessionID, raw)
  try {
    return await runChecked(services, raw, context, { callID, arrival }, reservation)
  } finally {
    reservation?.failed()
  }
}

/** `arrival`: when the call reached the tool, before anything was awaited (one step's calls run at once). */
async function runChecked(
  services: Services,
  raw: Record<string, unknown>,
  context: ToolContext,
  { callID, arrival }: { callID: string | undefined; arrival: number },
  reservation?: Reservation,
) {
  // OpenCode does not check the arguments against the schema before calling.
  const args = await report(services, context, typeof raw.mode === "string" ? raw.mode : "?", async () => parseArgs(raw, services.options))
  const named = args.session?.trim() || undefined
  if (args.mode === "status") return withNotes(services, await report(services, context, args.mode, () => status(services, context.sessionID)))
  const mode = args.mode
  if (mode === "wait" || mode === "stop" || mode === "adopt" || mode === "discard") {
    const looked = await report(services, context, mode, async () => {
      const session = named && (await childID(services, context.sessionID, named))
      return look(services, context, callID, mode, session || undefined, args.timeout)
    })
    return withNotes(services, looked)
  }
  // `message` with `session`: to a session this caller started (a follow-up), or to a teammate; to its agent unless `agent` says otherwise.
  const to = mode === "message" ? named : undefined
  const target = to
    ? (knownTarget(services, context.sessionID, to) ?? (await report(services, context, mode, () => messageTarget(services, context.sessionID, to))))
    : undefined
  const checked = { ...(await report(services, context, mode, () => checkCall(services, args, mode, context, target?.agent, reservation))), callID, arrival }
  await services.permissions.check(context, { mode, agent: checked.agent, text: checked.text })
  const done = await report(services, context, mode, () => act(services, mode, checked, target))
  if (done.record?.kind === "started") reservation?.made(done.record.session)
  // Noted before the call returns: if OpenCode stops now, the next start does what was accepted.
  if (owesLater(done)) services.pending.mark(context.sessionID)
  const result = recorded(services, callID, done)
  const ignored = args.report !== undefined && !target && (mode === "message" || mode === "compact")
  return withNotes(services, ignored ? `${result}${words.result.reportIgnored}` : result)
}

/** A start's name, reserved for this caller from the moment its call reaches the tool; undefined when taken by a start under way (checkCall refuses it). */
function reserveName(services: Services, callerID: string, raw: Record<string, unknown>): Reservation | undefined {
  const name = typeof raw.name === "string" ? raw.name.trim() : ""
  if ((raw.mode !== "new" && raw.mode !== "fork") || !name) return undefined
  return services.names.reserve(callerID, name)
}

/** The modes that look at, or act on, what this session started: wait, stop, adopt, discard. */
async function look(
  services: Services,
  context: ToolContext,
  callID: string | undefined,
  mode: "wait" | "stop" | "adopt" | "discard",
  session?: string,
  timeout?: number,
) {
  switch (mode) {
    case "wait":
      return recorded(services, callID, await wait(services, { sessionID: context.sessionID, session, timeout, abort: context.abort }))
    case "stop":
      return recorded(services, callID, await stop(services, context, session))
    case "adopt":
      return adopt(services, context, session)
    case "discard":
      return discard(services, context, session)
  }
}

/** The call's record goes onto its tool part as it completes (tool/records.ts); the model reads only the words. */
function recorded(services: Services, callID: string | undefined, done: Done): string {
  if (done.record && callID) services.records.keep(callID, done.record)
  else if (done.record) services.host.lacks("call-records", "the tool context carries no call id")
  return done.text
}

/** A hand-off or follow-up to deliver, a start waiting for a place, a report to send: work the plugin owes the caller. */
function owesLater({ record }: Done): boolean {
  return record?.kind === "handoff" || record?.kind === "follow-up" || (record?.kind === "started" && (record.waiting || record.report !== "none"))
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

async function act(services: Services, mode: SendingMode, call: Call, target?: MessageTarget): Promise<Done> {
  // Checked right before acting, after the wait for permission, so parallel calls count each other.
  const admission = services.book.admit(call.sessionID)
  if (!admission.ok) throw new LoopGuardError(words.refusal.loopGuard(admission.limit))
  switch (mode) {
    case "message":
      return target ? followUp(services, call, target) : message(services, call)
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
