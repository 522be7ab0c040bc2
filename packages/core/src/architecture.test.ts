import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

// DESIGN.md, "Rules of the house": only platform entries touch node:* or DOM globals.
const src = fileURLToPath(new URL(".", import.meta.url))
const NEUTRAL = ["engine", "hash", "derive"]

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : []
  })

const neutralFiles = NEUTRAL.flatMap((folder) => sourceFiles(join(src, folder)))

describe("platform-neutral core", () => {
  it("has neutral files to check", () => {
    expect(neutralFiles.length).toBeGreaterThan(5)
  })

  it.each(neutralFiles.map((file) => [relative(src, file), file]))("%s imports no Node module", (_name, file) => {
    const text = readFileSync(file, "utf8")
    expect(text).not.toMatch(/from\s+["'](node:|fs|path|os|worker_threads|crypto|child_process)["'/]/)
    expect(text).not.toMatch(/@effect\/platform-node/)
  })

  it.each(neutralFiles.map((file) => [relative(src, file), file]))("%s uses no DOM global", (_name, file) => {
    const text = readFileSync(file, "utf8")
    expect(text).not.toMatch(/\b(window|document|indexedDB|navigator)\./)
    expect(text).not.toMatch(/\bnew Worker\(/)
  })
})
