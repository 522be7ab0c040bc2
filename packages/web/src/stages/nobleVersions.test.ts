// @vitest-environment node
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const dependencies = (path: string): Record<string, string> =>
  (JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies

describe("the noble stages (nobleSha2.ts and the next ones)", () => {
  it("name the very versions of noble that core uses, so they load core's modules, not a second copy", () => {
    const web = dependencies("../../package.json")
    const core = dependencies("../../../core/package.json")
    const noble = Object.keys(web).filter((name) => name.startsWith("@noble/"))
    expect(noble.length).toBeGreaterThan(0)
    for (const name of noble) expect(web[name], name).toBe(core[name])
  })
})
