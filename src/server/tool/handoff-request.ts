import type { Call, Handoff, HandoffRequest } from "../../core/types.js"

/**
 * What a checked call queues: `text` for `call.agent` in `sessionID` (the caller's own session,
 * or for a follow-up the started session it goes to), from the caller, naming the call.
 */
export function handoffRequest(call: Call, kind: Handoff["kind"], sessionID = call.sessionID): HandoffRequest {
  return {
    kind,
    sessionID,
    agent: call.agent,
    text: call.text,
    model: call.model,
    from: { agent: call.callerAgent, sessionID: call.sessionID },
    call: call.messageID,
    callID: call.callID,
  }
}
