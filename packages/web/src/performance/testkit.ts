/** Fakes for the Performance page's tests: core's snapshot with every figure at rest. */
import type { PerformanceSnapshot } from "@sluice/core"

export const quantiles = { count: 0, p50: 0, p95: 0, p99: 0, max: 0 }

export const snapshotOf = (overrides: Partial<PerformanceSnapshot> = {}): PerformanceSnapshot => ({
  at: 0,
  bytes: 0,
  files: { hashed: 0, cached: 0, failed: 0 },
  pipelines: {},
  unitMs: quantiles,
  taskMs: quantiles,
  pool: { workers: 2, queueDepth: 0, busyMs: 0, retries: 0, restarts: 0, fallbackTasks: 0, breaker: "closed" },
  cache: [],
  cacheDegraded: [],
  memory: {},
  eventLoopDelayMs: quantiles,
  longTaskMs: quantiles,
  phasesMs: {},
  ...overrides
})
