import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { isBuiltin } from "node:module"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/**
 * The engine's shape, as docs/ARCHITECTURE.md draws it, held against the imports:
 * - `engine/` knows no operation and no platform; `engine/pool/` least of all;
 * - an operation (every other folder but `node/` and `browser/`) imports no platform;
 * - everything but the platform folders is neutral: no Node module, no Node global, no DOM;
 * - the neutral entry (`index.ts`) reaches no platform file and no Node module.
 * Tests and test kits are left out: they may wire a platform in to run.
 */
const src = fileURLToPath(new URL(".", import.meta.url))
const PLATFORMS = ["node", "browser"]

const isSource = (name: string) => name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.includes("testkit")

const walk = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "testkit" ? [] : walk(path)
    return isSource(entry.name) ? [path] : []
  })

const files = walk(src)
const folderOf = (file: string) => relative(src, file).split("/")[0]!
const top = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory())
const operations = top.filter((name) => name !== "engine" && !PLATFORMS.includes(name))
const neutral = files.filter((file) => !PLATFORMS.includes(folderOf(file)))

/** Every module a file imports, statically or dynamically, as written. */
const specifiers = (file: string): Array<string> =>
  [...readFileSync(file, "utf8").matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)].map((m) => m[1]!)

/** A relative import as the file it names, relative to `src`. */
const target = (file: string, specifier: string): string | undefined => {
  if (!specifier.startsWith(".")) return undefined
  const path = resolve(dirname(file), specifier).replace(/\.js$/, ".ts")
  return relative(src, existsSync(path) ? path : `${path}.ts`)
}

const localImports = (file: string) =>
  specifiers(file).flatMap((s) => {
    const t = target(file, s)
    return t === undefined ? [] : [t]
  })

/** The code without its comments: a comment may name `Buffer` or `window` to say why it is not used. */
const code = (file: string) => readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1")

const NODE_GLOBALS = /\b(process\.|Buffer\b|__dirname|__filename|require\()/
const DOM_GLOBALS = /\b(window|document|indexedDB|navigator|localStorage)\.|\bnew Worker\(/

describe("the engine's shape", () => {
  it("finds the engine, the hash operation and both platforms", () => {
    expect(top).toEqual(expect.arrayContaining(["engine", "hash", "node", "browser"]))
    expect(operations).toContain("hash")
    expect(files.filter((file) => folderOf(file) === "engine").length).toBeGreaterThan(10)
  })

  it.each(files.filter((file) => folderOf(file) === "engine").map((file) => [relative(src, file), file]))(
    "%s imports no operation and no platform",
    (_name, file) => {
      const outside = localImports(file).filter((t) => !t.startsWith("engine/"))
      expect(outside).toEqual([])
    }
  )

  it.each(files.filter((file) => operations.includes(folderOf(file))).map((file) => [relative(src, file), file]))(
    "%s (an operation) imports no platform",
    (_name, file) => {
      const platforms = localImports(file).filter((t) => PLATFORMS.includes(t.split("/")[0]!))
      expect(platforms).toEqual([])
    }
  )

  it.each(neutral.map((file) => [relative(src, file), file]))("%s is neutral: no Node module, Node global or DOM global", (_name, file) => {
    const text = code(file)
    const nodeModules = specifiers(file).filter((s) => isBuiltin(s) || s.startsWith("@effect/platform-node"))
    expect(nodeModules).toEqual([])
    expect(text).not.toMatch(NODE_GLOBALS)
    expect(text).not.toMatch(DOM_GLOBALS)
  })

  it("the neutral entry reaches no platform file", () => {
    const seen = new Set<string>()
    const visit = (path: string) => {
      if (seen.has(path)) return
      seen.add(path)
      for (const t of localImports(join(src, path))) visit(t)
    }
    visit("index.ts")
    expect([...seen].filter((path) => PLATFORMS.includes(path.split("/")[0]!))).toEqual([])
    expect(seen.size).toBeGreaterThan(20)
  })
})
