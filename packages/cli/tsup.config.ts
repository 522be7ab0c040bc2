import { builtinModules, createRequire } from "node:module"
import { defineConfig, type Options } from "tsup"
// A build tool of core's, run here at build time only (tsup bundles this file).
import { effectDeepImports } from "../core/src/node/workerBundle.js"

/**
 * Built-in modules the CLI uses on one path only, loaded on their first use rather than
 * with the program: commander imports node:child_process for executable subcommands (which
 * sluice has none of), and with it Node evaluates net, dgram and the stream stack; keygen
 * alone sets a V8 flag; node:util's module facade evaluates 33 more built-in modules
 * (parseArgs, diff, colors...) for the two functions used here. Each import of them
 * resolves to a stand-in whose functions load the real module when first called
 * (`process.getBuiltinModule`), so `sluice --version`, `derive` and a check the cache
 * answers never evaluate them.
 */
const LAZY_BUILTINS = ["child_process", "v8", "util"]

/**
 * Built-in modules taken as the CommonJS object Node already has, not through their ES
 * module facade, which reads every export, those Node makes on first use included:
 * node:fs's facade evaluates fs/promises, the stream stack and readline (30 more built-in
 * modules), node:process's 32 more, node:crypto's WebCrypto. Each stand-in reads the
 * module's plain values when it is evaluated, and a value Node makes on first use
 * (`fs.promises`, `crypto.webcrypto`) only when it is used.
 */
const DIRECT_BUILTINS = ["fs", "process", "crypto"]

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

const standIn = (name: string): string => {
  const real = createRequire(import.meta.url)(`node:${name}`) as Record<string, unknown>
  const keys = Object.keys(Object.getOwnPropertyDescriptors(real)).filter((key) => IDENTIFIER.test(key) && key !== "default")
  const module = `process.getBuiltinModule("node:${name}")`
  if (LAZY_BUILTINS.includes(name)) {
    return [
      `let real;`,
      `const load = () => (real ??= ${module});`,
      // Called or constructed, each forwards to the real function.
      ...keys.filter((key) => typeof real[key] === "function").map((key) =>
        `export function ${key}(...args) { return new.target ? Reflect.construct(load().${key}, args, new.target) : load().${key}.apply(this, args); }`
      ),
      `export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });`
    ].join("\n")
  }
  const descriptors = Object.getOwnPropertyDescriptors(real)
  return [
    `const real = ${module};`,
    `export default real;`,
    ...keys.map((key) =>
      descriptors[key]!.get === undefined
        ? `export const ${key} = real.${key};`
        // A value Node makes on first use: read (and made) when the stand-in is used.
        : `export const ${key} = new Proxy(function () {}, { get: (_, k) => Reflect.get(real.${key}, k), has: (_, k) => k in real.${key}, ` +
          `apply: (_, self, args) => Reflect.apply(real.${key}, self, args), construct: (_, args, target) => Reflect.construct(real.${key}, args, target) });`
    )
  ].join("\n")
}

const lazyBuiltins: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "lazy-builtins",
  setup(build) {
    const filter = new RegExp(`^(node:)?(${[...LAZY_BUILTINS, ...DIRECT_BUILTINS].join("|")})$`)
    build.onResolve({ filter }, (args) => ({ path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" }))
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({ contents: standIn(args.path), loader: "js" }))
  }
}

/**
 * `effect/rpc` is a barrel of every RPC module. What the program itself uses of it is the
 * groups' definitions (Rpc, RpcGroup, RpcSchema); the client, its protocols and the HTTP,
 * socket and worker modules behind them are for talking to workers and load with the first
 * one (core's `WorkerPool` imports `effect/rpc/RpcClient` then). Imported through the
 * barrel, esbuild puts them in the chunk every command loads; through this stand-in they
 * stay in the worker's own chunk. A name the stand-in lacks fails the build.
 */
const RPC_DEFINITIONS = ["Rpc", "RpcGroup", "RpcSchema"]
const rpcDefinitions: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "rpc-definitions",
  setup(build) {
    build.onResolve({ filter: /^effect\/rpc$/ }, () => ({ path: "effect/rpc", namespace: "rpc-definitions" }))
    build.onLoad({ filter: /.*/, namespace: "rpc-definitions" }, () => ({
      contents: RPC_DEFINITIONS.map((name) => `export * as ${name} from "effect/rpc/${name}"`).join("\n"),
      resolveDir: import.meta.dirname,
      loader: "js"
    }))
  }
}

if (![...LAZY_BUILTINS, ...DIRECT_BUILTINS].every((name) => builtinModules.includes(name))) throw new Error("LAZY_BUILTINS names a module that is not built in")

const shared: Options = {
  format: ["esm"],
  target: "node24",
  sourcemap: true,
  // `build` empties dist first: the two configurations run at once and must not clean each other.
  clean: false,
  banner: { js: "#!/usr/bin/env node" },
  // One file with only what the CLI uses: start-up is module evaluation, not parsing.
  noExternal: [/.*/],
  // Imports keep their `node:` prefix; tsup's own plugin would otherwise take every
  // `node:` import before `lazyBuiltins` sees it.
  removeNodeProtocol: false,
  // effect by its modules, not its barrels, in core's code and ours: through `effect`'s
  // barrel, Schema brought effect's HTTP, DNS, crypto and more into the chunk every command
  // loads (`sluice --version` read 1.6 MB of chunks, CPU ~0.105 s; then ~0.8 MB, ~0.08 s).
  esbuildPlugins: [lazyBuiltins, rpcDefinitions, effectDeepImports]
}

/**
 * The first part of `sluice derive` (deriveMain.ts: its command line read, the parameters
 * checked, the secret read and node:crypto's call started) is one file of its own, built
 * apart: inside the program's build it was ten files (the chunks it shares with the
 * program), which Node's module loader resolved, read and linked before the call started.
 * What it loads after the call (the engine that takes the started call over, calibration,
 * commander for an unusual command line) is the program build's, imported by name:
 * `LATER` maps each import of the first part's sources to the program's entry file.
 */
const LATER: Readonly<Record<string, string>> = {
  "./deriveRun.js": "./deriveRun.js",
  "./deriveCalibrate.js": "./deriveCalibrate.js",
  "./commands/deriveCommand.js": "./deriveCommand.js"
}
const laterFromProgram: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "later-from-program",
  setup(build) {
    build.onResolve({ filter: /^\.\/(commands\/)?derive(Run|Calibrate|Command)\.js$/ }, (args) => {
      const path = LATER[args.path]
      if (path === undefined) throw new Error(`derive's first part imports ${args.path}, which the program build does not name`)
      return { path, external: true }
    })
  }
}
/**
 * The files built apart (derive's first part, the lean check, the lean hash), imported by
 * bin.ts by their names (and the lean hash by the lean check): the builds that import them
 * leave them to their own configurations.
 */
const mainsApart: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "mains-apart",
  setup(build) {
    build.onResolve({ filter: /^\.\/(derive|check|hash|age)Main\.js$/ }, (args) => ({ path: args.path, external: true }))
  }
}

export default defineConfig([
  // The program and the worker entry are built apart: built together, every module both
  // reach (a built-in's stand-in, exit codes, esbuild's helpers) became a chunk of its own,
  // each one more file for every command to resolve, read and link. derive's later parts
  // are entries so that derive's first part can import them by a name that does not change.
  {
    ...shared,
    entry: { bin: "src/bin.ts", deriveRun: "src/commands/deriveRun.ts", deriveCalibrate: "src/commands/deriveCalibrate.ts", deriveCommand: "src/commands/deriveCommand.ts" },
    esbuildPlugins: [mainsApart, ...shared.esbuildPlugins!]
  },
  { ...shared, entry: { deriveMain: "src/deriveMain.ts" }, splitting: false, esbuildPlugins: [laterFromProgram, ...shared.esbuildPlugins!] },
  // The lean check (checkMain.ts with core's check entry) is one file too: what it cannot
  // answer goes to the program, which bin.ts loads itself. The lean hash, which it loads to
  // hash many files the cache does not answer, stays the lean hash's own file.
  { ...shared, entry: { checkMain: "src/checkMain.ts" }, splitting: false, esbuildPlugins: [mainsApart, ...shared.esbuildPlugins!] },
  // The lean hash (hashMain.ts) and its worker (hashWorker.ts) likewise: one file each,
  // core's check entry inside, no Effect, commander, RPC or worker platform.
  { ...shared, entry: { hashMain: "src/hashMain.ts" }, splitting: false },
  { ...shared, entry: { hashWorker: "src/hashWorker.ts" }, splitting: false },
  // The lean age path (ageMain.ts): core's age-lean entry and the full program's age
  // argument rules, one file; the payload is @sluice/native's, loaded when it runs.
  { ...shared, entry: { ageMain: "src/ageMain.ts" }, splitting: false },
  { ...shared, entry: { worker: "src/worker.ts" } }
])
