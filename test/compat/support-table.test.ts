import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "../e2e/harness.js"
import { RELEASES, supportTable } from "./releases.js"

describe("the README's support table", () => {
  it("is the one the compatibility suite's release list makes", () => {
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain(supportTable())
  })

  it("names every tested release, oldest first", () => {
    const versions = RELEASES.map((release) => release.version.split(".").map(Number))
    const sorted = [...versions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!)
    expect(versions).toEqual(sorted)
    for (const release of RELEASES) expect(supportTable()).toContain(`(${release.version})`)
  })
})
