/**
 * The metrics every pipeline reports (Effect `Metric`), and the snapshot front ends read:
 * bytes and files, latency quantiles, the pool's queue, workers and busy time, retries and
 * the breaker, cache lookups per level, memory, event-loop delay and long tasks.
 *
 * Updates are per file, per task or per sample, never per chunk, so that they cost nothing
 * measurable; `MetricsEnabled` turns them off for the bench's on/off comparison.
 */
import { Clock, Context, Effect, Metric } from "effect"

/** False: no metric is updated (the bench measures a job with metrics on and off). */
export const MetricsEnabled = Context.Reference<boolean>("@sluice/core/MetricsEnabled", { defaultValue: () => true })

const QUANTILES = [0.5, 0.95, 0.99] as const
const window = { maxAge: "10 minutes", maxSize: 2048, quantiles: QUANTILES } as const

export const bytes = Metric.counter("sluice_bytes", { description: "bytes hashed (read, not answered from the cache)", incremental: true })
export const files = Metric.counter("sluice_files", { description: "files done, by outcome", incremental: true })
export const unitMs = Metric.summary("sluice_unit_ms", { description: "time to finish a file or a batch of small files", ...window })
export const taskMs = Metric.summary("sluice_task_ms", { description: "time a worker spent on one task", ...window })
export const queueDepth = Metric.gauge("sluice_queue_depth", { description: "tasks waiting for a worker" })
export const workers = Metric.gauge("sluice_workers", { description: "live workers" })
export const busyMs = Metric.counter("sluice_busy_ms", { description: "worker time spent on tasks", incremental: true })
export const retries = Metric.counter("sluice_retries", { description: "tasks tried again after a transient failure", incremental: true })
export const restarts = Metric.counter("sluice_restarts", { description: "workers replaced", incremental: true })
export const fallbackTasks = Metric.counter("sluice_fallback_tasks", { description: "tasks run on the calling thread", incremental: true })
export const breaker = Metric.gauge("sluice_breaker", { description: "the pool's circuit breaker: 0 closed, 1 half-open, 2 open" })
export const cacheLookups = Metric.counter("sluice_cache_lookups", { description: "result cache lookups, by level and result", incremental: true })
export const cacheDegraded = Metric.gauge("sluice_cache_degraded", { description: "1 for a cache level dropped in this run, with its reason" })
export const memoryBytes = Metric.gauge("sluice_memory_bytes", { description: "memory in use, by kind (rss, heap)" })
export const eventLoopDelayMs = Metric.summary("sluice_event_loop_delay_ms", { description: "Node's event-loop delay, sampled", ...window })
export const longTaskMs = Metric.summary("sluice_long_task_ms", { description: "a page's main-thread tasks over 50 ms", ...window })
export const phaseMs = Metric.gauge("sluice_phase_ms", { description: "time spent in a job's phases (cache lookup, hashing)" })

export type Attributes = Readonly<Record<string, string>>

// A metric with attributes is made once per set of them, not on every update.
const tagged = new WeakMap<object, Map<string, Metric.Metric<number, unknown>>>()
const withAttributes = <S>(metric: Metric.Metric<number, S>, attributes: Attributes | undefined): Metric.Metric<number, S> => {
  if (attributes === undefined) return metric
  let byAttributes = tagged.get(metric)
  if (byAttributes === undefined) tagged.set(metric, byAttributes = new Map())
  const key = JSON.stringify(attributes)
  let found = byAttributes.get(key)
  if (found === undefined) byAttributes.set(key, found = Metric.withAttributes(metric, attributes) as Metric.Metric<number, unknown>)
  return found as Metric.Metric<number, S>
}

/** Adds to a counter or sets a gauge, unless metrics are off. */
export const record = <S>(metric: Metric.Metric<number, S>, value: number, attributes?: Attributes): Effect.Effect<void> =>
  Effect.flatMap(Effect.service(MetricsEnabled), (on) => on ? Metric.update(withAttributes(metric, attributes), value) : Effect.void)

/** Moves a gauge by `delta` (a worker started, a task queued), unless metrics are off. */
export const adjust = (metric: Metric.Metric<number, unknown>, delta: number, attributes?: Attributes): Effect.Effect<void> =>
  Effect.flatMap(Effect.service(MetricsEnabled), (on) => on ? Metric.modify(withAttributes(metric, attributes), delta) : Effect.void)

/** Runs `effect` and records how long it took in `summary` (milliseconds). */
export const timed = <A, E, R>(
  summary: Metric.Metric<number, unknown>,
  effect: Effect.Effect<A, E, R>,
  attributes?: Attributes
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (start) =>
    Effect.ensuring(effect, Effect.flatMap(Clock.currentTimeMillis, (end) => record(summary, end - start, attributes))))
