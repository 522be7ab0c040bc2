/**
 * How the Node worker entry is bundled (tsup.config.ts; its test bundles it the same way).
 *
 * `import { Effect, Schema } from "effect"` names the barrel, whose `export * as Schema`
 * esbuild can only keep whole, with everything each namespace reaches: Schema alone brings
 * effect's crypto, DNS, HTTP cookies and multipart parser, JSON Schema and SemVer (690 KB
 * for `Schema.String`, against 160 KB from `effect/Schema`). `effectDeepImports` rewrites
 * such imports, as esbuild loads each of our sources, to the modules the barrel re-exports
 * (`import * as Schema from "effect/Schema"`), which esbuild trims to what is used. The
 * names and paths come from the barrels themselves, so a name the rewrite does not know
 * stays imported from its barrel, as written.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

/** What a barrel exports: a namespace's module, or a name re-exported from a module. */
export interface BarrelExports {
  readonly namespaces: ReadonlyMap<string, string>
  readonly names: ReadonlyMap<string, string>
}

/** Reads a barrel's `export * as X from "./X.js"` and `export { a, b } from "./M.js"`. */
export const readBarrel = (barrel: string, source: string): BarrelExports => {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "")
  const module = (path: string) => `${barrel}/${path.replace(/^\.\//, "").replace(/\.js$/, "")}`
  const namespaces = new Map<string, string>()
  const names = new Map<string, string>()
  for (const m of text.matchAll(/export\s*\*\s*as\s+(\w+)\s+from\s*["'](\.\/[^"']+)["']/g)) namespaces.set(m[1]!, module(m[2]!))
  for (const m of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*["'](\.\/[^"']+)["']/g)) {
    for (const name of m[1]!.split(",").map((s) => s.trim()).filter((s) => /^\w+$/.test(s))) names.set(name, module(m[2]!))
  }
  return { namespaces, names }
}

/** A value import from a barrel rewritten here (`effect`, `effect/rpc`, `effect/workers`); `import type` is left alone. */
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*["'](effect(?:\/rpc|\/workers)?)["'][ \t]*;?/g

/**
 * `text` with its value imports from the barrels as imports of their modules, on as many
 * lines as before (source maps stay right). `exportsOf` gives a barrel's exports.
 */
export const rewriteEffectImports = (text: string, exportsOf: (barrel: string) => BarrelExports): string =>
  text.replace(IMPORT, (statement, list: string, barrel: string) => {
    const exports = exportsOf(barrel)
    const deep: Array<string> = []
    const kept: Array<string> = []
    for (const raw of list.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
      if (raw.startsWith("type ")) {
        kept.push(raw)
        continue
      }
      const [imported, local = imported] = raw.split(/\s+as\s+/) as [string, string?]
      const namespace = exports.namespaces.get(imported)
      const module = exports.names.get(imported)
      if (namespace !== undefined) deep.push(`import * as ${local} from "${namespace}";`)
      else if (module !== undefined) deep.push(`import { ${raw} } from "${module}";`)
      else kept.push(raw)
    }
    if (deep.length === 0) return statement
    const rest = kept.length === 0 ? [] : [`import { ${kept.join(", ")} } from "${barrel}";`]
    return [...deep, ...rest].join(" ") + "\n".repeat(statement.split("\n").length - 1)
  })

/** The smallest shape of an esbuild plugin this needs (tsup and the test pass esbuild's). */
export interface LoadPlugin {
  readonly name: string
  setup(build: {
    onLoad(
      options: { readonly filter: RegExp },
      callback: (args: { readonly path: string }) => { contents: string; loader: "ts" | "js" } | undefined
    ): void
  }): void
}

/**
 * The esbuild plugin: our sources' barrel imports of effect, rewritten as they load: the
 * TypeScript of the package being built, and the JavaScript of our packages it bundles
 * (the CLI takes core's built `dist`), never a dependency's.
 */
export const effectDeepImports: LoadPlugin = {
  name: "effect-deep-imports",
  setup(build) {
    const barrels = new Map<string, BarrelExports>()
    build.onLoad({ filter: /\.[tj]s$/ }, ({ path }) => {
      if (path.includes("/node_modules/")) return undefined
      const text = readFileSync(path, "utf8")
      if (!/from\s*["']effect(?:\/rpc|\/workers)?["']/.test(text)) return undefined
      const require = createRequire(path)
      const exportsOf = (barrel: string) => {
        let known = barrels.get(barrel)
        if (known === undefined) {
          known = readBarrel(barrel, readFileSync(require.resolve(barrel), "utf8"))
          barrels.set(barrel, known)
        }
        return known
      }
      return { contents: rewriteEffectImports(text, exportsOf), loader: path.endsWith(".ts") ? "ts" : "js" }
    })
  }
}
