/**
 * `npm run tui`: the real OpenCode TUI with this plugin and the scripted model: no API key.
 * Type `@session {...}` lines to make the agent call the tool, e.g.
 *
 *   @session {"mode":"fork","agent":"plan","report":true,"text":"@say Fork answered."}
 *   @session {"mode":"message","agent":"plan","text":"@say Plan here."}
 *
 * The plugin is installed as people get it: the built package is packed, published to a local
 * registry on 127.0.0.1, and OpenCode installs it by name into a fresh cache.
 * `npm run tui -- --checkout` loads this checkout by path instead (quicker, and not what people get).
 * Everything lives in scratch folders that are removed when the TUI exits.
 */
import { spawn } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { OPENCODE_BIN, pluginSpec, prepareProject, REPO_ROOT, type HarnessOptions } from "../test/e2e/harness.js"
import { startScriptedModel } from "../test/e2e/scripted-model.js"
import { packCheckout, type Packed } from "../test/install/pack.js"
import { startRegistry, type Registry } from "../test/install/registry.js"

const fromCheckout = process.argv.includes("--checkout")
let registry: Registry | undefined
let packed: Packed | undefined
const options: HarnessOptions = {}
if (fromCheckout) console.log(`Loading the plugin from this checkout (${REPO_ROOT}), not as an installed package.`)
else {
  packed = await packCheckout()
  registry = await startRegistry()
  await registry.publish(packed.tarball)
  options.install = { registry: registry.url }
  console.log(`Published the packed package to a local registry (${registry.url}); OpenCode installs it by name as it starts.`)
}

const model = await startScriptedModel()
const { root, project, env } = prepareProject(model, options)
writeFileSync(join(project, "tui.json"), JSON.stringify({ $schema: "https://opencode.ai/tui.json", plugin: [pluginSpec(options)] }))
console.log('Try: @session {"mode":"fork","agent":"plan","report":true,"text":"@say Fork answered."}')
const tui = spawn(OPENCODE_BIN, [], { cwd: project, env, stdio: "inherit" })
tui.on("exit", async (code) => {
  await model.close()
  await registry?.stop()
  packed?.remove()
  rmSync(root, { recursive: true, force: true })
  process.exit(code ?? 0)
})
