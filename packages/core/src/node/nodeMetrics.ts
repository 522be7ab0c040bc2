/**
 * Node's share of the metrics: memory (RSS, heap) and event-loop delay, sampled on a
 * timer while the layer is alive. Worker threads' heaps count in the process's RSS.
 */
import { Effect, Layer, Schedule } from "effect"
import * as Metrics from "../engine/metrics/Metrics.js"

/** Samples every `every` ms (default 250): cheap enough to leave on for a whole job. */
export const layerSampler = (every = 250): Layer.Layer<never> =>
  Layer.effectDiscard(Effect.gen(function*() {
    // node:perf_hooks loads only when metrics are sampled (`--stats`), not in every run.
    const delay = process.getBuiltinModule("node:perf_hooks").monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    yield* Effect.addFinalizer(() => Effect.sync(() => delay.disable()))
    const sample = Effect.gen(function*() {
      const memory = process.memoryUsage()
      yield* Metrics.record(Metrics.memoryBytes, memory.rss, { kind: "rss" })
      yield* Metrics.record(Metrics.memoryBytes, memory.heapUsed, { kind: "heap" })
      // The longest delay of the interval, in ms (the histogram is in ns).
      if (delay.count > 0) yield* Metrics.record(Metrics.eventLoopDelayMs, delay.max / 1e6)
      delay.reset()
    })
    yield* sample.pipe(Effect.repeat(Schedule.spaced(`${every} millis`)), Effect.forkScoped)
  }))
