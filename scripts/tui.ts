/**
 * `npm run tui`: the real OpenCode TUI with this package as its server and TUI plugin, and the
 * scripted model: no API key. Type `@session {...}` lines to make the agent call the tool, e.g.
 *
 *   @session {"mode":"fork","agent":"plan","report":true,"text":"@say Fork answered."}
 *   @session {"mode":"message","agent":"plan","text":"@say Plan here."}
 *
 * Everything lives in a scratch folder that is removed when the TUI exits.
 */
import { spawn } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { OPENCODE_BIN, prepareProject, REPO_ROOT } from "../test/e2e/harness.js"
import { startScriptedModel } from "../test/e2e/scripted-model.js"

const model = await startScriptedModel()
const { root, project, env } = prepareProject(model)
writeFileSync(join(project, "tui.json"), JSON.stringify({ $schema: "https://opencode.ai/tui.json", plugin: [`file://${REPO_ROOT}`] }))
console.log('Try: @session {"mode":"fork","agent":"plan","report":true,"text":"@say Fork answered."}')
const tui = spawn(OPENCODE_BIN, [], { cwd: project, env, stdio: "inherit" })
tui.on("exit", async (code) => {
  await model.close()
  rmSync(root, { recursive: true, force: true })
  process.exit(code ?? 0)
})
