/** The test registry passes every other package through to the registry npm is configured with, not to one written into the code. */
import { describe, expect, it } from "vitest"
import { config, upstreamRegistry } from "./registry.js"

describe("the local registry's upstream", () => {
  it("is npm's own configured registry: a mirror set for npm is the one used", () => {
    expect(upstreamRegistry({ ...process.env, npm_config_registry: "https://mirror.example.com/npm" })).toBe("https://mirror.example.com/npm/")
    expect(upstreamRegistry({ ...process.env, npm_config_registry: "https://registry.example.org/" })).toBe("https://registry.example.org/")
  })

  it("is what the registry's configuration proxies to", () => {
    expect(config("/s", "/u", "https://mirror.example.com/npm/")).toMatch(/uplinks:\n\s+public:\n\s+url: https:\/\/mirror\.example\.com\/npm\/\n/)
  })
})
