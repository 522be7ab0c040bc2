import { formatBytes, type HashAlgorithm, metricsSnapshot, type PerformanceSnapshot, rates, recommend } from "@sluice/core"
import * as SluiceNode from "@sluice/core/node"
import { Effect } from "effect"
import { availableParallelism } from "node:os"

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`)
const pct = (n: number) => `${Math.round(n * 100)} %`

/** The `--stats` summary: what the job did, where its time went, and what to do about it. */
export const statsLines = (
  before: PerformanceSnapshot,
  after: PerformanceSnapshot,
  context: { readonly algorithms?: ReadonlyArray<HashAlgorithm> | undefined; readonly peakRss: number }
): Array<string> => {
  const r = rates(before, after)
  const delta = (f: (s: PerformanceSnapshot) => number) => f(after) - f(before)
  const hashed = delta((s) => s.files.hashed)
  const cached = delta((s) => s.files.cached)
  const failed = delta((s) => s.files.failed)
  const bytes = delta((s) => s.bytes)
  const lines = [
    `${hashed + cached + failed} files in ${ms(r.seconds * 1000)}: ${hashed} read, ${cached} from the cache, ${failed} failed`,
    `read ${formatBytes(bytes)} at ${formatBytes(r.bytesPerSecond)}/s; ${after.pool.workers > 0 ? `workers busy ${pct(r.utilisation)}` : "on the main thread"}`
  ]
  const phases = Object.entries(after.phasesMs).map(([phase, t]) => `${phase} ${ms(t)}`)
  if (phases.length > 0) lines.push(`phases: ${phases.join(", ")}`)
  if (after.unitMs.count > before.unitMs.count) {
    lines.push(`per file or batch: p50 ${ms(after.unitMs.p50)}, p95 ${ms(after.unitMs.p95)}, p99 ${ms(after.unitMs.p99)}`)
  }
  const levels = after.cache.map((level) => {
    const lookups = level.hits + level.misses
    return `${level.level} ${level.hits}/${lookups} hits${lookups > 0 ? ` (${pct(level.hits / lookups)})` : ""}`
  })
  if (levels.length > 0) lines.push(`cache: ${levels.join(", ")}`)
  for (const dropped of after.cacheDegraded) lines.push(`cache: ${dropped.level} not used: ${dropped.reason}`)
  lines.push(
    `retries ${delta((s) => s.pool.retries)}, workers replaced ${delta((s) => s.pool.restarts)}, tasks on the main thread ${
      delta((s) => s.pool.fallbackTasks)
    }`
  )
  lines.push(`memory: peak RSS ${formatBytes(context.peakRss)}; event-loop delay up to ${ms(after.eventLoopDelayMs.max)}`)
  const tips = recommend({
    snapshot: after,
    rates: r,
    algorithms: context.algorithms,
    poolSize: availableParallelism()
  })
  return [...lines.map((line) => `sluice: stats: ${line}`), ...tips.map((tip) => `sluice: tip: ${tip.message}${tip.cli === undefined ? "" : ` (${tip.cli})`}`)]
}

/**
 * `--stats`: runs `program` with memory and event-loop sampling on, then prints the
 * summary on stderr (stdout keeps exactly the command's output).
 */
export const withStats = <A, E, R>(
  program: Effect.Effect<A, E, R>,
  context: { readonly algorithms?: ReadonlyArray<HashAlgorithm> | undefined },
  err: (line: string) => void
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const before = yield* metricsSnapshot
    const result = yield* program
    const after = yield* metricsSnapshot
    const peakRss = process.resourceUsage().maxRSS * 1024
    for (const line of statsLines(before, after, { ...context, peakRss })) err(line)
    return result
  }).pipe(Effect.provide(SluiceNode.metricsSampler()))
