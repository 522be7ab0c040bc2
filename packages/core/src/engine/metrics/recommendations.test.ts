import { describe, expect, it } from "vitest"
import {
  cacheDegraded,
  cacheMissing,
  fallbackInUse,
  fasterAlgorithm,
  mainThreadBlocked,
  memoryNearBudget,
  type Observed,
  poolIdle,
  poolSaturated,
  pureJsKernel,
  recommend
} from "./recommendations.js"
import type { PerformanceSnapshot, Rates } from "./Snapshot.js"

const none = { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }
const quiet: PerformanceSnapshot = {
  at: 0,
  bytes: 0,
  files: { hashed: 0, cached: 0, failed: 0 },
  pipelines: {},
  unitMs: none,
  taskMs: none,
  pool: { workers: 2, queueDepth: 0, busyMs: 0, retries: 0, restarts: 0, fallbackTasks: 0, breaker: "closed" },
  cache: [],
  cacheDegraded: [],
  memory: {},
  eventLoopDelayMs: none,
  longTaskMs: none,
  phasesMs: {}
}
const steady: Rates = { seconds: 10, bytesPerSecond: 500e6, filesPerSecond: 10, utilisation: 0.6 }
const observe = (snapshot: Partial<PerformanceSnapshot> = {}, rest: Partial<Observed> = {}): Observed => ({
  snapshot: { ...quiet, ...snapshot },
  rates: steady,
  ...rest
})
const pool = (p: Partial<PerformanceSnapshot["pool"]>) => ({ pool: { ...quiet.pool, ...p } })

describe("recommendations", () => {
  it("a quiet, healthy job gets none", () => {
    expect(recommend(observe())).toEqual([])
  })

  it("BLAKE3 when it is 1.5× or more faster than the algorithm used", () => {
    const calibration = { sha256: 400e6, blake3: 1200e6 }
    expect(fasterAlgorithm(observe({}, { algorithms: ["sha256"], calibration }))).toMatchObject({
      message: expect.stringMatching(/^BLAKE3 is 3\.0× faster than SHA256/),
      cli: "-a blake3"
    })
    expect(fasterAlgorithm(observe({}, { algorithms: ["sha256"], calibration: { sha256: 1000e6, blake3: 1200e6 } }))).toBeUndefined()
    expect(fasterAlgorithm(observe({}, { algorithms: ["blake3"], calibration }))).toBeUndefined()
  })

  it("a saturated pool: every worker busy, tasks waiting", () => {
    const busy = { ...steady, utilisation: 0.97 }
    expect(poolSaturated(observe(pool({ queueDepth: 6 }), { rates: busy, poolSize: 2 }))?.id).toBe("pool-saturated")
    expect(poolSaturated(observe(pool({ queueDepth: 0 }), { rates: busy, poolSize: 2 }))).toBeUndefined()
    expect(poolSaturated(observe(pool({ queueDepth: 6, workers: 1 }), { rates: busy, poolSize: 2 }))).toBeUndefined()
  })

  it("an idle pool: several workers waiting on reads", () => {
    const idle = { ...steady, utilisation: 0.1 }
    expect(poolIdle(observe({}, { rates: idle }))?.message).toMatch(/idle 90 %/)
    expect(poolIdle(observe({}, { rates: steady }))).toBeUndefined()
    expect(poolIdle(observe(pool({ workers: 1 }), { rates: idle }))).toBeUndefined()
    expect(poolIdle(observe({}, { rates: { ...idle, seconds: 0.2 } }))).toBeUndefined()
  })

  it("a cache that keeps missing, once there are enough lookups to tell", () => {
    const missing = { cache: [{ level: "memory", hits: 0, misses: 100 }, { level: "disk", hits: 20, misses: 80 }] }
    expect(cacheMissing(observe(missing))?.message).toMatch(/^Only 20 % of 100 files/)
    expect(cacheMissing(observe({ cache: [{ level: "memory", hits: 90, misses: 10 }] }))).toBeUndefined()
    expect(cacheMissing(observe({ cache: [{ level: "memory", hits: 1, misses: 9 }] }))).toBeUndefined()
    expect(cacheMissing(observe({ cache: [{ level: "memory", hits: 0, misses: 100 }] }))).toBeUndefined() // a first run
  })

  it("a cache level that dropped out, with its reason", () => {
    const degraded = { cacheDegraded: [{ level: "disk", reason: "write: ENOSPC: no space left on device" }] }
    expect(cacheDegraded(observe(degraded))?.message).toContain("ENOSPC")
    expect(cacheDegraded(observe())).toBeUndefined()
  })

  it("memory at 80 % of its budget or more", () => {
    expect(memoryNearBudget(observe({ memory: { rss: 110 * 2 ** 20 } }, { memoryBudget: 128 * 2 ** 20 }))?.severity).toBe("warning")
    expect(memoryNearBudget(observe({ memory: { rss: 60 * 2 ** 20 } }, { memoryBudget: 128 * 2 ** 20 }))).toBeUndefined()
  })

  it("work on the main thread: after crashes, or with the breaker open", () => {
    expect(fallbackInUse(observe(pool({ fallbackTasks: 3, restarts: 3 })))?.message).toMatch(/^3 tasks ran on the main thread/)
    expect(fallbackInUse(observe(pool({ breaker: "open", restarts: 3 })))?.message).toMatch(/circuit breaker open/)
    expect(fallbackInUse(observe())).toBeUndefined()
  })

  it("the pure-JavaScript kernel, and why", () => {
    expect(pureJsKernel(observe({}, { kernel: "js", calibration: { sha256: 90e6 } }))?.message).toMatch(/wasm-unsafe-eval.*90 MB\/s/)
    expect(pureJsKernel(observe({}, { kernel: "wasm" }))).toBeUndefined()
  })

  it("a blocked main thread: long tasks or event-loop delay over 100 ms", () => {
    expect(mainThreadBlocked(observe({ longTaskMs: { ...none, count: 2, max: 180 } }))?.message).toMatch(/up to 180 ms \(2 long tasks\)/)
    expect(mainThreadBlocked(observe({ eventLoopDelayMs: { ...none, count: 40, max: 30 } }))).toBeUndefined()
  })

  it("puts warnings first", () => {
    const all = recommend(observe({ ...pool({ fallbackTasks: 1 }), cache: [{ level: "memory", hits: 10, misses: 90 }] }))
    expect(all.map((r) => r.severity)).toEqual(["warning", "info"])
  })
})
