/** The keys and commands the plugin builds and reads back: each reader undoes its writer, and refuses what no writer makes. */
import { describe, expect, it } from "vitest"
import { reportKey, sessionOfKey, STOP_STARTED, stopStartedCommand, stopStartedOf, TUI_PART_REGISTERED } from "./protocol.js"

describe("report keys", () => {
  it("a first turn's key is its session's id; a follow-up's names both, and both lead back to the session", () => {
    expect(reportKey("ses_A")).toBe("ses_A")
    expect(reportKey("ses_A", "fu1")).toBe("ses_A/fu1")
    expect(reportKey("ses_A", "")).toBe("ses_A")
    expect(sessionOfKey(reportKey("ses_A"))).toBe("ses_A")
    expect(sessionOfKey(reportKey("ses_A", "fu1"))).toBe("ses_A")
  })

  it("keys of different turns of one session differ", () => {
    const keys = [reportKey("ses_A"), reportKey("ses_A", "fu1"), reportKey("ses_A", "fu2"), reportKey("ses_B", "fu1")]
    expect(new Set(keys).size).toBe(4)
  })
})

describe("the TUI's stop command", () => {
  it("names the session whose started sessions are to stop, and reads back the same", () => {
    const command = stopStartedCommand("ses_screen", "n1")
    expect(command.startsWith(`${STOP_STARTED}:`)).toBe(true)
    expect(stopStartedOf(command)).toBe("ses_screen")
    expect(stopStartedCommand("ses_screen", "n1")).not.toBe(stopStartedCommand("ses_screen", "n2"))
    expect(stopStartedOf(stopStartedCommand("ses_screen", "n2"))).toBe("ses_screen")
  })

  it("refuses other commands, a command without a nonce, and an id that is not a session's", () => {
    expect(stopStartedOf(TUI_PART_REGISTERED)).toBeUndefined()
    expect(stopStartedOf("session.interrupt")).toBeUndefined()
    expect(stopStartedOf(`other.command:ses_screen:n1`)).toBeUndefined()
    expect(stopStartedOf(`${STOP_STARTED}:ses_screen`)).toBeUndefined()
    expect(stopStartedOf(`${STOP_STARTED}:ses_screen:`)).toBeUndefined()
    expect(stopStartedOf(stopStartedCommand("msg_1", "n1"))).toBeUndefined()
    expect(stopStartedOf(stopStartedCommand("", "n1"))).toBeUndefined()
    expect(stopStartedOf(STOP_STARTED)).toBeUndefined()
  })
})
