import { Effect, Fiber, Layer, Metric, Stream } from "effect"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { PathSource } from "../Source.js"
import { hashFiles } from "../../hash/hashFiles.js"
import { cacheLayer, layerInline } from "../../node/node.js"
import * as Metrics from "./Metrics.js"
import { rates, snapshot } from "./Snapshot.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-metrics-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Each test its own registry, so counts start at zero. */
const fresh = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provideService(effect, Metric.MetricRegistry, new Map()))

describe("metric accounting", () => {
  it("times a unit on the clock it runs on", async () => {
    const result = await fresh(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Metrics.timed(Metrics.unitMs, Effect.sleep("1500 millis")))
      yield* TestClock.adjust("1500 millis")
      yield* Fiber.join(fiber)
      return yield* snapshot
    }).pipe(Effect.provide(TestClock.layer())))
    expect(result.unitMs).toMatchObject({ count: 1, p50: 1500, max: 1500 })
  })

  it("counts files by outcome, bytes read, cache lookups per level and the lookup phase", async () => {
    const paths = [0, 1, 2].map((i) => {
      const path = join(dir, `file-${i}`)
      writeFileSync(path, Buffer.alloc(1000 * (i + 1), i))
      return new PathSource({ path })
    })
    const missing = new PathSource({ path: join(dir, "missing") })
    const job = (sources: ReadonlyArray<PathSource>) => Stream.runDrain(hashFiles(sources, { algorithms: ["sha256"] }))
    const result = await fresh(Effect.gen(function*() {
      yield* job([...paths, missing])
      yield* job(paths)
      return yield* snapshot
    }).pipe(Effect.provide(Layer.merge(layerInline, cacheLayer({ disk: false })))))
    expect(result.files).toEqual({ hashed: 3, cached: 3, failed: 1 })
    expect(result.bytes).toBe(6000) // the first run's three files; cached ones are not read
    expect(result.pipelines).toEqual({ hash: { bytes: 6000, files: 7 } })
    expect(result.cache).toEqual([{ level: "memory", hits: 3, misses: 3 }])
    expect(result.unitMs.count).toBe(2) // the three small files in one batch, the missing one alone; hits are not timed
    expect(Object.keys(result.phasesMs).sort()).toEqual(["cache lookup", "hashing"])
  })

  it("records nothing when metrics are off", async () => {
    const result = await fresh(Effect.gen(function*() {
      yield* Metrics.record(Metrics.bytes, 100)
      yield* Metrics.adjust(Metrics.queueDepth, 1)
      return yield* snapshot
    }).pipe(Effect.provideService(Metrics.MetricsEnabled, false)))
    expect(result.bytes).toBe(0)
    expect(result.pool.queueDepth).toBe(0)
  })

  it("rates: throughput and utilisation between two snapshots", async () => {
    const [before, after] = await fresh(Effect.gen(function*() {
      yield* Metrics.adjust(Metrics.workers, 2)
      const before = yield* snapshot
      yield* TestClock.adjust("2 seconds")
      yield* Metrics.record(Metrics.bytes, 200e6)
      yield* Metrics.record(Metrics.busyMs, 3000)
      return [before, yield* snapshot] as const
    }).pipe(Effect.provide(TestClock.layer())))
    expect(rates(before, after)).toEqual({ seconds: 2, bytesPerSecond: 100e6, filesPerSecond: 0, utilisation: 0.75 })
  })
})
