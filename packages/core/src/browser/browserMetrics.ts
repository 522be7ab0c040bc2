/**
 * A page's share of the metrics: main-thread long tasks (PerformanceObserver "longtask")
 * and the JS heap where the browser tells it (`performance.memory`, Chromium). Both are
 * observed while the layer is alive; neither costs the page a task of its own.
 */
import { Effect, Layer, Schedule } from "effect"
import * as Metrics from "../engine/metrics/Metrics.js"

interface LongTaskEntry {
  readonly duration: number
}

interface ObserverLike {
  observe(options: { readonly type: string; readonly buffered?: boolean }): void
  disconnect(): void
}

type ObserverConstructor = new(callback: (list: { getEntries(): ReadonlyArray<LongTaskEntry> }) => void) => ObserverLike

const page = globalThis as {
  readonly PerformanceObserver?: ObserverConstructor & { readonly supportedEntryTypes?: ReadonlyArray<string> }
  readonly performance?: { readonly memory?: { readonly usedJSHeapSize: number; readonly jsHeapSizeLimit: number } }
}

/** Observes long tasks and samples the heap every `every` ms (default 500). */
export const layerSampler = (every = 500): Layer.Layer<never> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const Observer = page.PerformanceObserver
    if (Observer?.supportedEntryTypes?.includes("longtask") === true) {
      const pending: Array<number> = []
      const observer = new Observer((list) => {
        for (const entry of list.getEntries()) pending.push(entry.duration)
      })
      observer.observe({ type: "longtask" })
      yield* Effect.addFinalizer(() => Effect.sync(() => observer.disconnect()))
      // Recorded from a fiber, not from the observer's callback, so metrics stay in the runtime.
      yield* Effect.suspend(() => Effect.forEach(pending.splice(0), (ms) => Metrics.record(Metrics.longTaskMs, ms), { discard: true })).pipe(
        Effect.repeat(Schedule.spaced(`${every} millis`)),
        Effect.forkScoped
      )
    }
    const memory = page.performance?.memory
    if (memory !== undefined) {
      yield* Effect.suspend(() => Metrics.record(Metrics.memoryBytes, page.performance!.memory!.usedJSHeapSize, { kind: "heap" })).pipe(
        Effect.repeat(Schedule.spaced(`${every} millis`)),
        Effect.forkScoped
      )
    }
  }))
