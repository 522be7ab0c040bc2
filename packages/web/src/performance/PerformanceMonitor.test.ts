import type { PerformanceSnapshot } from "@sluice/core"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { JobActivity } from "../jobs/activity.js"
import { makePerformanceMonitor, type MonitorSources } from "./PerformanceMonitor.js"
import { quantiles, snapshotOf } from "./testkit.js"

let visibility: DocumentVisibilityState = "visible"

beforeEach(() => {
  vi.useFakeTimers()
  visibility = "visible"
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility })
})

afterEach(() => {
  vi.useRealTimers()
})

const setVisibility = (next: DocumentVisibilityState) => {
  visibility = next
  document.dispatchEvent(new Event("visibilitychange"))
}

/** A page whose clock is the fake timers' and whose figures the test moves. */
const fakeSources = (overrides: Partial<MonitorSources> = {}) => {
  let snapshot = snapshotOf()
  let activity: JobActivity = { bytes: 0, busyMs: 0, running: 0 }
  const reads = { count: 0 }
  const sources: MonitorSources = {
    snapshot: async () => {
      reads.count++
      return snapshot
    },
    activity: () => activity,
    pool: async () => ({ kind: "workers", size: 2, kernel: "wasm" }),
    algorithms: () => ["sha256"],
    now: () => Date.now(),
    ...overrides
  }
  return {
    sources,
    reads,
    set: (next: { snapshot?: Partial<PerformanceSnapshot>; activity?: Partial<JobActivity> }) => {
      snapshot = snapshotOf({ ...snapshot, ...next.snapshot })
      activity = { ...activity, ...next.activity }
    }
  }
}

describe("makePerformanceMonitor", () => {
  it("polls every 400 ms only while someone watches and the tab is visible", async () => {
    const page = fakeSources()
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: null })
    await vi.advanceTimersByTimeAsync(2_000)
    expect(page.reads.count).toBe(0)

    const stop = monitor.subscribe(() => {})
    await vi.advanceTimersByTimeAsync(2_000)
    expect(page.reads.count).toBe(6) // at once, then every 400 ms
    setVisibility("hidden")
    await vi.advanceTimersByTimeAsync(2_000)
    expect(page.reads.count).toBe(6)
    setVisibility("visible")
    await vi.advanceTimersByTimeAsync(400)
    expect(page.reads.count).toBe(8)
    stop()
    await vi.advanceTimersByTimeAsync(2_000)
    expect(page.reads.count).toBe(8)
  })

  it("draws a point per interval from the page's activity, keeps the last 120, and none across a pause", async () => {
    const page = fakeSources()
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: null })
    let updates = 0
    const stop = monitor.subscribe(() => updates++)
    await vi.advanceTimersByTimeAsync(0)
    page.set({ activity: { bytes: 40e6, busyMs: 400, running: 1 } })
    await vi.advanceTimersByTimeAsync(400)
    expect(monitor.getView().points).toEqual([
      expect.objectContaining({ mbPerSecond: 100, busyPercent: 50 })
    ])
    expect(updates).toBe(2)
    await vi.advanceTimersByTimeAsync(400 * 200)
    expect(monitor.getView().points).toHaveLength(120)
    expect(monitor.getView().readings).toBe(202)

    setVisibility("hidden")
    page.set({ activity: { bytes: 400e6 } })
    await vi.advanceTimersByTimeAsync(60_000)
    setVisibility("visible")
    await vi.advanceTimersByTimeAsync(400)
    // The first reading after the pause starts the next point; none averages over the pause.
    expect(monitor.getView().points.at(-1)).toMatchObject({ mbPerSecond: 0 })
    stop()
  })

  it("follows the job for the recommendations and says what the pool is", async () => {
    const page = fakeSources()
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: null })
    const stop = monitor.subscribe(() => {})
    await vi.advanceTimersByTimeAsync(0)
    page.set({ activity: { running: 1 } })
    for (let i = 1; i <= 5; i++) {
      page.set({ activity: { bytes: i * 10e6, busyMs: i * 400 } })
      await vi.advanceTimersByTimeAsync(400)
    }
    page.set({ activity: { running: 0 }, snapshot: { files: { hashed: 1, cached: 0, failed: 0 } } })
    await vi.advanceTimersByTimeAsync(800)
    const view = monitor.getView()
    expect(view.job?.running).toBe(false)
    expect(view.job?.rates.bytesPerSecond).toBeCloseTo(50e6 / 2.4)
    expect(view.pool).toEqual({ kind: "workers", size: 2, kernel: "wasm" })
    stop()
  })

  it("recommends from what it measured: the pure-JavaScript kernel, a main thread that stalled", async () => {
    const page = fakeSources({ pool: async () => ({ kind: "inline", size: 1, kernel: "js" }) })
    page.set({ snapshot: { longTaskMs: { ...quantiles, count: 1, max: 180 } } })
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: null })
    const stop = monitor.subscribe(() => {})
    await vi.advanceTimersByTimeAsync(0)
    expect(monitor.getView().recommendations.map((r) => r.id)).toEqual(["pure-js-kernel", "main-thread-blocked"])
    stop()
  })

  it("shows the long tasks of loading the page but recommends nothing for them; later ones count", async () => {
    const page = fakeSources()
    page.set({ snapshot: { longTaskMs: { ...quantiles, count: 2, max: 210 } } })
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: 1_000 })
    await vi.advanceTimersByTimeAsync(1_000)
    const stop = monitor.subscribe(() => {})
    await vi.advanceTimersByTimeAsync(0)
    expect(monitor.getView().latest?.snapshot.longTaskMs.count).toBe(2)
    expect(monitor.getView().recommendations).toEqual([])
    page.set({ snapshot: { longTaskMs: { ...quantiles, count: 3, max: 210 } } })
    await vi.advanceTimersByTimeAsync(400)
    expect(monitor.getView().recommendations.map((r) => r.id)).toEqual(["main-thread-blocked"])
    stop()
  })

  it("calibrates off the main thread once the pool is idle, and only what it has not measured", async () => {
    const asked: Array<ReadonlyArray<string>> = []
    let algorithms = ["sha256"]
    const page = fakeSources({
      algorithms: () => algorithms as Array<"sha256">,
      calibrate: async (wanted) => {
        asked.push(wanted)
        return Object.fromEntries(wanted.map((a) => [a, a === "blake3" ? 900e6 : 300e6]))
      }
    })
    page.set({ activity: { running: 1 } })
    const monitor = makePerformanceMonitor(page.sources, { loadingMs: null })
    const stop = monitor.subscribe(() => {})
    await vi.advanceTimersByTimeAsync(800)
    expect(asked).toEqual([])
    page.set({ activity: { running: 0 } })
    await vi.advanceTimersByTimeAsync(800)
    expect(asked).toEqual([["sha256", "blake3"]])
    expect(monitor.getView().recommendations.map((r) => r.id)).toContain("faster-algorithm")
    algorithms = ["sha256", "sha512"]
    await vi.advanceTimersByTimeAsync(800)
    expect(asked).toEqual([["sha256", "blake3"], ["sha512"]])
    stop()
  })

  it("does not calibrate where hashing runs on the main thread", async () => {
    const calibrate = vi.fn(async () => ({}))
    const page = fakeSources({ pool: async () => ({ kind: "inline", size: 1, kernel: "js" }), calibrate })
    const stop = makePerformanceMonitor(page.sources, { loadingMs: null }).subscribe(() => {})
    await vi.advanceTimersByTimeAsync(2_000)
    expect(calibrate).not.toHaveBeenCalled()
    stop()
  })
})
