/** The sidebar of a team: each session's name, and which one waits for which (`after`). */
import { describe, expect, it } from "vitest"
import { began, child, start, user } from "../../test/fixtures/sidebar.js"
import { startedRecord, stored } from "../../test/fixtures/stored.js"
import { sidebarLines, sidebarModel, type ChildFacts } from "./sidebar-model.js"

describe("a team", () => {
  it("names each session, and says which sessions one started after others waits for, by name", () => {
    const caller = stored(
      user("u1", "build"),
      began(
        "a1",
        startedRecord("ses_R", { mode: "new", name: "researcher" }),
        startedRecord("ses_W", { mode: "new", name: "writer", waiting: true, after: ["ses_R"] }),
      ),
    )
    const children = new Map<string, ChildFacts | undefined>([
      ["ses_R", child(true, user("r1", "plan", start("together", { mode: "new", title: "researcher - New (plan): dig", name: "researcher" })))],
      ["ses_W", child(false)],
    ])
    const model = sidebarModel("ses_caller", caller, children)
    expect(model.started.map((row) => [row.sessionID, row.name, row.state])).toEqual([
      ["ses_R", "researcher", "working"],
      ["ses_W", "writer", "waits for researcher"],
    ])
    expect(sidebarLines(model).join("\n")).toContain("waits for researcher")
  })

  it("says, in a started session, the name it goes by", () => {
    const own = stored(user("c1", "plan", start("together", { name: "researcher" })))
    const model = sidebarModel("ses_R", own, new Map(), "Caller")
    expect(model.startedBy?.name).toBe("researcher")
    expect(sidebarLines(model)[0]).toBe("Started by build (fork) as researcher in")
  })
})
