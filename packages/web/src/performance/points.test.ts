import type { PerformanceSnapshot } from "@sluice/core"
import { describe, expect, it } from "vitest"
import type { JobActivity } from "../jobs/activity.js"
import { cacheHitRate, followJob, pointBetween, ratesBetween, type Reading } from "./points.js"
import { quantiles, snapshotOf } from "./testkit.js"

const idle: JobActivity = { bytes: 0, busyMs: 0, running: 0 }

const reading = (at: number, activity: Partial<JobActivity> = {}, snapshot: Partial<PerformanceSnapshot> = {}): Reading => ({
  at,
  activity: { ...idle, ...activity },
  snapshot: snapshotOf(snapshot)
})

describe("pointBetween", () => {
  it("turns two readings into MB/s, busy %, heap, new long tasks and the hit rate so far", () => {
    const before = reading(1_000, { bytes: 10e6, busyMs: 100, running: 1 }, { longTaskMs: { ...quantiles, count: 2, max: 80 } })
    const after = reading(1_400, { bytes: 50e6, busyMs: 500, running: 1 }, {
      memory: { heap: 12.5e6 },
      longTaskMs: { ...quantiles, count: 3, max: 80 },
      cache: [{ level: "memory", hits: 1, misses: 3 }, { level: "indexedDB", hits: 2, misses: 1 }]
    })
    expect(pointBetween(before, after)).toEqual({
      at: 1_400,
      mbPerSecond: 100,
      busyPercent: 50,
      heapMB: 12.5,
      longTasks: 1,
      cacheHitPercent: 75
    })
  })

  it("leaves gaps for what the browser does not tell, and never goes below zero", () => {
    const point = pointBetween(reading(0, { bytes: 5 }), reading(400, { bytes: 5 }))
    expect(point).toMatchObject({ mbPerSecond: 0, busyPercent: 0, heapMB: null, longTasks: 0, cacheHitPercent: null })
  })

  it("shares busy time among the live workers, or the page's own thread when there are none", () => {
    expect(ratesBetween(reading(0), reading(1_000, { busyMs: 1_000 }, { pool: { ...snapshotOf().pool, workers: 4 } })).utilisation).toBe(0.25)
    expect(ratesBetween(reading(0), reading(1_000, { busyMs: 3_000 }, { pool: { ...snapshotOf().pool, workers: 0 } })).utilisation).toBe(1)
  })
})

describe("cacheHitRate", () => {
  it("is the hits of every level over the first level's lookups", () => {
    expect(cacheHitRate(snapshotOf())).toBeUndefined()
    expect(cacheHitRate(snapshotOf({ cache: [{ level: "memory", hits: 0, misses: 0 }] }))).toBeUndefined()
    expect(cacheHitRate(snapshotOf({ cache: [{ level: "memory", hits: 10, misses: 90 }, { level: "indexedDB", hits: 40, misses: 50 }] })))
      .toBe(0.5)
  })
})

describe("followJob", () => {
  it("spans a job from the reading before its first work to its last, and keeps it once it ends", () => {
    const r0 = reading(0)
    const r1 = reading(400, { running: 1 })
    const r2 = reading(800, { running: 1, bytes: 100, busyMs: 400 })
    const r3 = reading(1_200, { bytes: 200, busyMs: 700 }, { files: { hashed: 1, cached: 0, failed: 0 } })
    const r4 = reading(1_600, { bytes: 200, busyMs: 700 }, { files: { hashed: 1, cached: 0, failed: 0 } })
    let job = followJob(undefined, r0, r0)
    expect(job).toBeUndefined()
    job = followJob(job, r0, r1)
    job = followJob(job, r1, r2)
    job = followJob(job, r2, r3)
    expect(job).toEqual({ from: r0, to: r3, running: true })
    job = followJob(job, r3, r4)
    expect(job).toEqual({ from: r0, to: r3, running: false })
    expect(followJob(job, r4, r4)).toBe(job)
    const rates = ratesBetween(job!.from, job!.to)
    expect(rates).toMatchObject({ seconds: 1.2, filesPerSecond: 1 / 1.2 })
    // The next job starts afresh.
    const r5 = reading(2_000, { bytes: 300, busyMs: 800, running: 1 }, { files: { hashed: 1, cached: 0, failed: 0 } })
    expect(followJob(job, r4, r5)).toEqual({ from: r4, to: r5, running: true })
  })
})
