import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { loadEsbuild } from "./esbuild.testkit.js"
import { type BarrelExports, effectDeepImports, readBarrel, rewriteEffectImports } from "./workerBundle.js"

const require = createRequire(import.meta.url)
const barrel = (name: string): BarrelExports => readBarrel(name, readFileSync(require.resolve(name), "utf8"))

describe("effect's barrel imports, rewritten for the worker's bundle", () => {
  it("imports each namespace from its module, and the barrel's own names from theirs", () => {
    const text = 'import { Effect, Layer as L, pipe } from "effect"\n'
    expect(rewriteEffectImports(text, barrel)).toBe(
      'import * as Effect from "effect/Effect"; import * as L from "effect/Layer"; import { pipe } from "effect/Function";\n'
    )
  })

  it("keeps type imports, unknown names and the line count", () => {
    const text = [
      'import type { Schema } from "effect"',
      "import {",
      "  RpcServer,",
      "  type Rpc,",
      "  NotAnExport",
      '} from "effect/rpc"',
      "const x = 1"
    ].join("\n")
    const rewritten = rewriteEffectImports(text, barrel)
    expect(rewritten.split("\n")).toHaveLength(text.split("\n").length)
    expect(rewritten).toContain('import type { Schema } from "effect"')
    expect(rewritten).toContain('import * as RpcServer from "effect/rpc/RpcServer";')
    expect(rewritten).toContain('import { type Rpc, NotAnExport } from "effect/rpc";')
    expect(rewritten.split("\n").at(-1)).toBe("const x = 1")
  })

  it("leaves a file without value imports from a barrel as it is", () => {
    const text = 'import * as Effect from "effect/Effect"\nimport { Rpc } from "effect/rpc/Rpc"\n'
    expect(rewriteEffectImports(text, barrel)).toBe(text)
  })
})

describe("the Node worker's bundle", () => {
  it("starts with the hash operation and the RPC server only: keygen, derive and hash-wasm load on first use, effect's HTTP never", async () => {
    const esbuild = await loadEsbuild()
    const result = await esbuild.build({
      entryPoints: { "node-worker": fileURLToPath(new URL("./node-worker.ts", import.meta.url)) },
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node24",
      outdir: "/dev/null/out",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [effectDeepImports]
    })
    const outputs = (result.metafile as unknown as {
      outputs: Record<string, {
        entryPoint?: string
        imports: Array<{ path: string; kind: string }>
        inputs: Record<string, unknown>
      }>
    }).outputs
    const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint?.endsWith("node-worker.ts"))!
    // What the worker reads before it serves: the entry's chunk and its static imports.
    const atStart = new Set<string>()
    const visit = (path: string) => {
      if (atStart.has(path) || outputs[path] === undefined) return
      atStart.add(path)
      for (const i of outputs[path]!.imports) if (i.kind === "import-statement") visit(i.path)
    }
    visit(entry)
    const inputs = [...atStart].flatMap((path) => Object.keys(outputs[path]!.inputs))
    const all = Object.values(outputs).flatMap((output) => Object.keys(output.inputs))

    expect(inputs).toContainEqual(expect.stringMatching(/src\/hash\/handlers\.ts$/))
    expect(inputs).toContainEqual(expect.stringMatching(/effect\/dist\/rpc\/RpcServer\.js$/))
    const deferred = [/src\/keys\/handlers\.ts$/, /src\/node\/keygenHandlers\.ts$/, /src\/derive\/handlers\.ts$/, /hash-wasm\//, /@noble\/curves\//]
    for (const pattern of deferred) {
      expect(all).toContainEqual(expect.stringMatching(pattern))
      expect(inputs.filter((input) => pattern.test(input))).toEqual([])
    }
    // Of effect's HTTP modules, only the headers RPC messages carry.
    expect(all.filter((input) => /effect\/dist\/(http\/(?!Headers\.js)|net\/|crypto\/)/.test(input))).toEqual([])
  })
})
