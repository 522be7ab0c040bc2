/**
 * cache-mixed: a user's repeated hashes and checks of one folder, run through the library
 * (`@sluice/core/node`) in this process, each operation as its own program (a fresh pool and
 * a fresh `cacheLayer` over one cache directory, as separate `sluice` invocations would be),
 * so every answer after the first comes from the disk level. The hit rate is the
 * ResultCache's own count (`stats.hits / stats.lookups`) summed over the operations.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import type { CommandResult, ExecuteContext } from "./execute.js"
import { changeFiles, describeTree, generateTree, type TreeSpec, treeBytes, treeFiles } from "./inputs.js"
import { type Library, loadLibrary } from "./library.js"
import type { Algorithm, ScenarioSpec } from "./scenarios.js"

/**
 * The workload, in order. `hash` stands for `sluice hash -r -a ALG F` (`keep`: its output is
 * kept as the sums file of ALG, `> SUMS`), `check` for `sluice check` of the kept sums of ALG,
 * `change` for 10 % of the files changing (first 4 KiB rewritten, 4 KiB appended, cut to half,
 * in turn). Each (content, algorithm) is new to any cache the first time it is seen: those
 * first sights are misses no cache can avoid, and set the ceiling of the hit rate,
 * 1 - (2 x files + 2 x changed) / (13 x files) = 83.1 %.
 */
export type WorkloadStep =
  | { readonly op: "hash"; readonly algorithm: Algorithm; readonly keep?: true; readonly why: string }
  | { readonly op: "check"; readonly algorithm: Algorithm; readonly why: string }
  | { readonly op: "change"; readonly why: string }

export const MIXED_WORKLOAD: ReadonlyArray<WorkloadStep> = [
  { op: "hash", algorithm: "sha256", keep: true, why: "sluice hash -r F > SUMS" },
  { op: "check", algorithm: "sha256", why: "sluice check SUMS (after a copy)" },
  { op: "hash", algorithm: "sha256", why: "sluice hash -r --tag F (the same sums, another format)" },
  { op: "hash", algorithm: "blake3", keep: true, why: "sluice hash -r -a blake3 F > B3SUMS" },
  { op: "hash", algorithm: "blake3", why: "sluice hash -r -a blake3 --json F" },
  { op: "check", algorithm: "blake3", why: "sluice check B3SUMS" },
  { op: "check", algorithm: "sha256", why: "sluice check SUMS (a later day)" },
  { op: "change", why: "10 % of the files change" },
  { op: "check", algorithm: "sha256", why: "sluice check SUMS: exactly the changed files FAILED" },
  { op: "hash", algorithm: "sha256", keep: true, why: "sluice hash -r F > SUMS (new sums)" },
  { op: "check", algorithm: "sha256", why: "sluice check SUMS" },
  { op: "check", algorithm: "blake3", why: "sluice check B3SUMS: exactly the changed files FAILED" },
  { op: "hash", algorithm: "blake3", keep: true, why: "sluice hash -r -a blake3 F > B3SUMS (new sums)" },
  { op: "check", algorithm: "blake3", why: "sluice check B3SUMS" }
]

interface StepOutcome {
  /** Digest per file, or undefined for a file that failed. */
  readonly digests: ReadonlyArray<string | undefined>
  readonly cachedFiles: number
  readonly lookups: number
  readonly hits: number
  readonly degraded: ReadonlyArray<string>
}

/** One operation: its own pool and, unless `cacheDir` is undefined, its own ResultCache over `cacheDir`. */
const hashAll = (lib: Library, files: ReadonlyArray<string>, algorithm: Algorithm, cacheDir: string | undefined): Promise<StepOutcome> => {
  const { core, effect: { Effect, Layer, Option, Stream } } = lib
  const program = Effect.gen(function*() {
    const events = yield* Stream.runCollect(core.hashFiles(files.map((path) => new core.PathSource({ path })), { algorithms: [algorithm] }))
    const digests = new Array<string | undefined>(files.length).fill(undefined)
    let cachedFiles = 0
    for (const event of events) {
      if (event._tag !== "FileHashed") continue
      digests[event.index] = event.digests[algorithm]
      if (event.cached === true) cachedFiles++
    }
    const cache = Option.getOrUndefined(yield* Effect.serviceOption(core.ResultCache.ResultCache))
    const stats = cache === undefined ? undefined : yield* cache.stats
    return {
      digests,
      cachedFiles,
      lookups: stats?.lookups ?? 0,
      hits: stats?.hits ?? 0,
      degraded: (stats?.levels ?? []).flatMap((l) => l.degraded === undefined ? [] : [`${l.name}: ${l.degraded}`])
    }
  })
  const pool = core.layer()
  return Effect.runPromise(
    cacheDir === undefined
      ? program.pipe(Effect.provide(pool))
      : program.pipe(Effect.provide(Layer.merge(pool, core.cacheLayer({ dir: cacheDir }))))
  )
}

const pct = (part: number, whole: number): number => whole === 0 ? 0 : (100 * part) / whole

export const runMixedWorkload = async (
  spec: ScenarioSpec,
  ctx: ExecuteContext,
  tree: TreeSpec,
  root: string
): Promise<Record<string, CommandResult>> => {
  const lib = await loadLibrary()
  const input = describeTree(tree)
  const bytes = treeBytes(tree)
  ctx.log(`  generating a ${input} in ${join(root, "tree")}`)
  const files = generateTree(join(root, "tree"), tree)
  const cacheDir = join(root, "cache")

  // What every answer must be: computed without a cache, before and after the change.
  const truthOf = async () => ({
    sha256: (await hashAll(lib, files, "sha256", undefined)).digests,
    blake3: (await hashAll(lib, files, "blake3", undefined)).digests
  })
  let truth = await truthOf()
  const version = new Array<number>(files.length).fill(0)
  const seen = new Set<string>()
  const kept: Record<Algorithm, ReadonlyArray<string | undefined>> = { sha256: [], blake3: [] }
  let lookups = 0
  let hits = 0
  let firstSights = 0
  let changedCount = 0
  const wrong: Array<string> = []
  const degraded = new Set<string>()
  const perStep: Array<string> = []
  let seconds = 0

  for (const [n, step] of MIXED_WORKLOAD.entries()) {
    if (step.op === "change") {
      const changes = changeFiles(files, 10, 1)
      changedCount = changes.length
      for (const { path } of changes) version[files.indexOf(path)]!++
      truth = await truthOf()
      perStep.push(`${n + 1} change ${changes.length}`)
      ctx.log(`  step ${String(n + 1).padStart(2)} ${step.why}: ${changes.length} of ${files.length}`)
      continue
    }
    const started = performance.now()
    const outcome = await hashAll(lib, files, step.algorithm, cacheDir)
    const took = (performance.now() - started) / 1000
    seconds += took
    files.forEach((file, i) => {
      const key = `${step.algorithm} ${i} ${version[i]}`
      if (!seen.has(key)) {
        seen.add(key)
        firstSights++
      }
      const digest = outcome.digests[i]
      const right = truth[step.algorithm][i]
      if (step.op === "hash" && digest !== right) wrong.push(`step ${n + 1} (${step.why}): ${file} got ${digest ?? "no digest"}`)
      if (step.op === "check") {
        // The verdict `check` prints, against the one a fresh hash gives.
        const said = digest === kept[step.algorithm][i]
        const should = right === kept[step.algorithm][i]
        if (said !== should) wrong.push(`step ${n + 1} (${step.why}): ${file} said ${said ? "OK" : "FAILED"}`)
      }
    })
    if (step.op === "hash" && step.keep === true) kept[step.algorithm] = outcome.digests
    lookups += outcome.lookups
    hits += outcome.hits
    for (const d of outcome.degraded) degraded.add(d)
    perStep.push(`${n + 1} ${step.op} ${step.algorithm} ${outcome.hits}/${outcome.lookups}`)
    ctx.log(
      `  step ${String(n + 1).padStart(2)} ${step.why}: ${outcome.hits} of ${outcome.lookups} lookups hit, ` +
        `${outcome.cachedFiles} files from the cache, ${took.toFixed(3)} s`
    )
    if (outcome.lookups !== files.length) wrong.push(`step ${n + 1}: ${outcome.lookups} lookups for ${files.length} files`)
  }

  const ops = MIXED_WORKLOAD.filter((s) => s.op !== "change").length
  const byId = (id: string) => spec.commands.find((c) => c.id === id)!
  const result = (id: string, figures: Partial<CommandResult>): CommandResult => ({
    id,
    tool: byId(id).tool,
    label: byId(id).label,
    input,
    bytes,
    command: `@sluice/core/node hashFiles + cacheLayer, ${ops} operations (src/cacheWorkload.ts)`,
    samples: [],
    hangs: 0,
    ...figures
  })
  const problems = degraded.size === 0 ? "" : `; a cache level dropped out: ${[...degraded].join("; ")}`
  return {
    workload: result("workload", {
      percent: pct(hits, lookups),
      seconds,
      samples: [{ seconds }],
      note: `${hits} of ${lookups} lookups hit over ${ops} operations on ${treeFiles(tree)} files, ${changedCount} changed after the 7th ` +
        `(per operation hits/lookups: ${perStep.join(", ")})${problems}`
    }),
    ceiling: result("ceiling", {
      percent: 100 - pct(firstSights, lookups),
      note: `${firstSights} of ${lookups} lookups are the first sight of a (content, algorithm): misses for any cache`
    }),
    seen: result("seen", {
      percent: pct(hits, lookups - firstSights),
      note: `${hits} hits of the ${lookups - firstSights} lookups of content the cache had seen`
    }),
    wrong: result("wrong", {
      count: wrong.length,
      note: wrong.length === 0
        ? "every digest equals an uncached hash's; every check said FAILED for exactly the changed files"
        : `${wrong.slice(0, 3).join("; ")}${wrong.length > 3 ? `; and ${wrong.length - 3} more` : ""}`
    })
  }
}
