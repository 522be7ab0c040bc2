/**
 * One reading of every metric, as plain data: what `--stats`, `sluice doctor`, the web
 * app's Performance page and the recommendations read. Rates come from two snapshots
 * (`rates`), so a snapshot itself is only totals, gauges and quantiles.
 */
import { Clock, Effect, Metric } from "effect"

export interface Quantiles {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

export type BreakerName = "closed" | "half-open" | "open"

export interface PerformanceSnapshot {
  /** When it was taken, ms since the epoch (the runtime's clock). */
  readonly at: number
  readonly bytes: number
  readonly files: { readonly hashed: number; readonly cached: number; readonly failed: number }
  /** Bytes and files done by each pipeline (hash, check). */
  readonly pipelines: Readonly<Record<string, { readonly bytes: number; readonly files: number }>>
  readonly unitMs: Quantiles
  readonly taskMs: Quantiles
  readonly pool: {
    readonly workers: number
    readonly queueDepth: number
    readonly busyMs: number
    readonly retries: number
    readonly restarts: number
    readonly fallbackTasks: number
    readonly breaker: BreakerName
  }
  readonly cache: ReadonlyArray<{ readonly level: string; readonly hits: number; readonly misses: number }>
  /** Cache levels dropped in this run, and why (a full directory, IndexedDB refused). */
  readonly cacheDegraded: ReadonlyArray<{ readonly level: string; readonly reason: string }>
  /** By kind: rss, heap (Node); heap (a browser that tells). */
  readonly memory: Readonly<Record<string, number>>
  readonly eventLoopDelayMs: Quantiles
  readonly longTaskMs: Quantiles
  readonly phasesMs: Readonly<Record<string, number>>
}

const emptyQuantiles: Quantiles = { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }

const quantilesOf = (state: Metric.SummaryState | undefined): Quantiles => {
  if (state === undefined || state.count === 0) return emptyQuantiles
  const at = (q: number) => state.quantiles.find(([k]) => k === q)?.[1] ?? state.max
  return { count: state.count, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: state.max }
}

const BREAKERS: ReadonlyArray<BreakerName> = ["closed", "half-open", "open"]

/** Reads every Sluice metric from the runtime's registry. */
export const snapshot: Effect.Effect<PerformanceSnapshot> = Effect.gen(function*() {
  const all = yield* Metric.snapshot
  const at = yield* Clock.currentTimeMillis
  const mine = all.filter((s) => s.id.startsWith("sluice_"))
  const attr = (s: (typeof all)[number], key: string) => s.attributes?.[key]
  const number = (value: number | bigint) => Number(value)
  const sum = (id: string, where: (s: (typeof all)[number]) => boolean = () => true) =>
    mine.reduce((total, s) => {
      if (s.id !== id || !where(s)) return total
      if (s.type === "Counter") return total + number(s.state.count)
      if (s.type === "Gauge") return total + number(s.state.value)
      return total
    }, 0)
  const summary = (id: string) => {
    const found = mine.find((s) => s.id === id && s.type === "Summary")
    return quantilesOf(found?.type === "Summary" ? found.state : undefined)
  }
  const byAttribute = (id: string, key: string) => {
    const result: Record<string, number> = {}
    for (const s of mine) {
      const value = attr(s, key)
      if (s.id === id && value !== undefined) result[value] = sum(id, (t) => attr(t, key) === value)
    }
    return result
  }
  const levels = [...new Set(mine.filter((s) => s.id === "sluice_cache_lookups").map((s) => attr(s, "level") ?? ""))]
  return {
    at,
    bytes: sum("sluice_bytes"),
    files: {
      hashed: sum("sluice_files", (s) => attr(s, "outcome") === "hashed"),
      cached: sum("sluice_files", (s) => attr(s, "outcome") === "cached"),
      failed: sum("sluice_files", (s) => attr(s, "outcome") === "failed")
    },
    pipelines: Object.fromEntries(
      [...new Set(mine.filter((s) => s.id === "sluice_files" || s.id === "sluice_bytes").map((s) => attr(s, "pipeline") ?? ""))]
        .filter((name) => name !== "")
        .map((name) => [name, {
          bytes: sum("sluice_bytes", (s) => attr(s, "pipeline") === name),
          files: sum("sluice_files", (s) => attr(s, "pipeline") === name)
        }])
    ),
    unitMs: summary("sluice_unit_ms"),
    taskMs: summary("sluice_task_ms"),
    pool: {
      workers: sum("sluice_workers"),
      queueDepth: sum("sluice_queue_depth"),
      busyMs: sum("sluice_busy_ms"),
      retries: sum("sluice_retries"),
      restarts: sum("sluice_restarts"),
      fallbackTasks: sum("sluice_fallback_tasks"),
      breaker: BREAKERS[sum("sluice_breaker")] ?? "closed"
    },
    cache: levels.map((level) => ({
      level,
      hits: sum("sluice_cache_lookups", (s) => attr(s, "level") === level && attr(s, "result") === "hit"),
      misses: sum("sluice_cache_lookups", (s) => attr(s, "level") === level && attr(s, "result") === "miss")
    })),
    cacheDegraded: mine
      .filter((s) => s.id === "sluice_cache_degraded" && s.type === "Gauge" && number(s.state.value) > 0)
      .map((s) => ({ level: attr(s, "level") ?? "", reason: attr(s, "reason") ?? "" })),
    memory: byAttribute("sluice_memory_bytes", "kind"),
    eventLoopDelayMs: summary("sluice_event_loop_delay_ms"),
    longTaskMs: summary("sluice_long_task_ms"),
    phasesMs: byAttribute("sluice_phase_ms", "phase")
  }
})

export interface Rates {
  readonly seconds: number
  readonly bytesPerSecond: number
  readonly filesPerSecond: number
  /** Share of the workers' time spent on tasks, 0 to 1. */
  readonly utilisation: number
}

/** What happened between two snapshots. */
export const rates = (before: PerformanceSnapshot, after: PerformanceSnapshot): Rates => {
  const seconds = Math.max(after.at - before.at, 1) / 1000
  const done = (s: PerformanceSnapshot) => s.files.hashed + s.files.cached + s.files.failed
  const workers = Math.max(after.pool.workers, before.pool.workers, 1)
  return {
    seconds,
    bytesPerSecond: (after.bytes - before.bytes) / seconds,
    filesPerSecond: (done(after) - done(before)) / seconds,
    utilisation: Math.min(1, (after.pool.busyMs - before.pool.busyMs) / (seconds * 1000 * workers))
  }
}
