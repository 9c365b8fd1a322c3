// Compiles the TUI part's JSX (dist/tui/*.jsx, as tsc leaves it) into plain JavaScript for
// OpenCode's Solid renderer, the way OpenCode compiles its own TUI: Solid's universal output
// with "@opentui/solid" as the renderer module.
//
// Why ahead of time: OpenCode's TUI compiles a plugin's JSX only outside `node_modules`, but a
// package installed by name lives in OpenCode's cache, under `node_modules`. There a .jsx entry
// is not compiled for Solid and the TUI part silently never loads. Compiled .js is loaded as it
// is, and OpenCode maps its imports of "@opentui/solid" and "solid-js" to its own copies (also
// under `node_modules`), so the package ships no UI runtime of its own.
import { transformAsync } from "@babel/core"
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const folder = new URL("../dist/tui/", import.meta.url).pathname
const sources = readdirSync(folder).filter((name) => name.endsWith(".jsx"))
if (sources.length === 0) throw new Error(`build-tui: no .jsx in ${folder}: run tsc first (npm run build)`)

for (const name of sources) {
  const path = join(folder, name)
  const compiled = await transformAsync(readFileSync(path, "utf8"), {
    filename: path,
    configFile: false,
    babelrc: false,
    presets: [["babel-preset-solid", { moduleName: "@opentui/solid", generate: "universal" }]],
  })
  if (!compiled?.code) throw new Error(`build-tui: compiling ${path} gave no code`)
  writeFileSync(path.replace(/\.jsx$/, ".js"), compiled.code)
  rmSync(path)
}
console.log(`build-tui: compiled ${sources.join(", ")} for OpenCode's Solid renderer`)
