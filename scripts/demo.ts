/**
 * `npm run demo`: the `session` tool in a real OpenCode, with no API key and no network.
 *
 * Starts `opencode serve` (the pinned opencode-ai) in a scratch project with this plugin and
 * a scripted model, then walks through the modes. The scripted model turns `@session {...}`
 * lines in a message into real calls of the tool, and `@say ...` into its answer, so what
 * you see is OpenCode's real agents, sessions and messages.
 */
import { startOpencode } from "../test/e2e/harness.js"
import { callSession, lines, reportedSessions, sessionToolParts, startedSessionsIn, toolOutcome } from "../test/e2e/script.js"
import { answered, answeredBy, deliveredAndAnswered, isReport } from "../test/e2e/waits.js"
import { printTranscript } from "./transcript.js"

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

function chapter(title: string, explanation: string) {
  console.log(`\n${bold(`■ ${title}`)}\n  ${explanation}\n`)
}

async function main() {
  console.log("Starting a real OpenCode server with opencode-sessions and a scripted model…")
  const oc = await startOpencode({
    agents: {
      build: { description: "Builds what is asked." },
      plan: { description: "Plans and reviews; does not edit." },
    },
  })
  try {
    chapter("message", "build hands the conversation to plan after its own turn; plan answers in the same session.")
    const talk = await oc.startSession(
      lines(
        "Draft the login page, then let plan review it.",
        callSession({
          mode: "message",
          agent: "plan",
          text: lines("Please review my draft of the login page.", "@say Reviewed: solid. Add rate limiting to the form."),
        }),
        "@after-tool @say Draft done; plan reviews it next.",
      ),
      "build",
      "Login page",
    )
    await deliveredAndAnswered(oc, talk, "plan", "@say Reviewed: solid. Add rate limiting to the form.")
    await printTranscript(oc, [talk])

    chapter("new", "build starts a clean session for plan: none of build's history goes into it; build does not wait.")
    const spawner = await oc.startSession(
      lines(
        "Keep coding; have plan write the release notes separately.",
        callSession({ mode: "new", agent: "plan", text: lines("Write the release notes for 1.2.", "@say Release notes: faster login, fewer bugs.") }),
        "@after-tool @say plan is on the release notes; back to coding.",
      ),
      "build",
      "Coding",
    )
    await answered(oc, spawner, 1)
    const [notes] = startedSessionsIn(await oc.messages(spawner))
    await answeredBy(oc, notes!, "plan")
    await printTranscript(oc, [spawner, notes!])

    chapter("compact", "After build's turn the conversation is compacted (one summary), then plan continues from it.")
    const long = await oc.startSession(lines("We talked a lot about the database schema.", "@say Noted the schema decisions."), "build", "Schema")
    await answered(oc, long, 1)
    await oc.say(
      long,
      lines(
        "This is getting long: compact, and let plan continue.",
        callSession({ mode: "compact", agent: "plan", text: lines("Continue: plan the migration.", "@say Migration plan: three steps.") }),
        "@after-tool @say Compacting; plan takes it from the summary.",
      ),
      "build",
    )
    await answeredBy(oc, long, "plan")
    await printTranscript(oc, [long])

    chapter(
      "fork + report",
      "build forks two approaches (plan and build each take one); once both have answered, their answers come back to build together, in one message, to compare.",
    )
    const explorer = await oc.startSession(
      lines("Which cache should we use? We know the constraints already.", "@say Constraints: low latency, small memory."),
      "build",
      "Cache choice",
    )
    await answered(oc, explorer, 1)
    await oc.say(
      explorer,
      lines(
        "Try both options in parallel and report back.",
        callSession({ mode: "fork", agent: "plan", report: true, text: lines("Evaluate an in-memory LRU cache.", "@say LRU: simplest, 2 ms lookups.") }),
        callSession({
          mode: "fork",
          agent: "build",
          report: true,
          text: lines("Evaluate Redis.", "@delay 500", "@say Redis: shared between processes, 5 ms lookups."),
        }),
        "@after-tool @say Two forks are exploring; I will compare their reports.",
      ),
      "build",
    )
    const forks = startedSessionsIn(await oc.messages(explorer))
    await oc.waitFor("the gathered report to be answered", async () => {
      const messages = await oc.messages(explorer)
      const reports = messages.filter((m) => isReport(m) && reportedSessions(m).length === 2)
      const last = messages.at(-1)
      return reports.length === 1 && last?.info.role === "assistant" && last.info.time.completed
    })
    await printTranscript(oc, [explorer, ...forks])

    chapter("status", "build asks what became of the sessions it started.")
    await oc.say(explorer, callSession({ mode: "status" }), "build")
    const status = toolOutcome(sessionToolParts(await oc.messages(explorer)).at(-1)!)
    console.log(status.text.replace(/^/gm, "  "))

    chapter("wait", "build forks two more approaches and waits for both in the same turn, then compares (no report needed).")
    const comparer = await oc.startSession(
      lines(
        "Compare two ways to warm the cache, now.",
        callSession({ mode: "fork", agent: "plan", text: lines("Warm it at start-up.", "@delay 300", "@say Start-up warming: slower boot, no cold misses.") }),
        callSession({ mode: "fork", agent: "plan", text: lines("Warm it lazily.", "@delay 800", "@say Lazy warming: fast boot, a few cold misses.") }),
        `@after-tool ${callSession({ mode: "wait" })}`,
      ),
      "build",
      "Cache warming",
    )
    await answered(oc, comparer, 1)
    const waited = toolOutcome(sessionToolParts(await oc.messages(comparer)).at(-1)!)
    console.log(waited.text.replace(/^/gm, "  "))
    console.log(`\nDone. Sessions created in this run: ${(await oc.client.session.list()).data?.length ?? 0}.`)
  } finally {
    await oc.stop()
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.stack : String(error)}`)
  process.exitCode = 1
})
