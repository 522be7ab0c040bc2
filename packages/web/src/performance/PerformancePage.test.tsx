import type { Recommendation } from "@sluice/core"
import { act, cleanup, render, screen, within } from "@testing-library/react"
import type { ReactNode } from "react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { Announcer } from "../components/Announcer.js"
import type { PerformanceMonitor, PerformanceView } from "./PerformanceMonitor.js"
import PerformancePage from "./PerformancePage.js"
import { quantiles, snapshotOf } from "./testkit.js"

// jsdom draws no canvas: the charts stand in as their captions.
vi.mock("./PerformanceCharts.js", () => ({
  default: ({ captions }: { captions: Record<string, ReactNode> }) => (
    <div data-testid="charts">{Object.entries(captions).map(([name, caption]) => <p key={name}>{caption}</p>)}</div>
  )
}))

afterEach(cleanup)

const point = { at: 1_000, mbPerSecond: 120, busyPercent: 50, heapMB: 20, longTasks: 0, cacheHitPercent: null }

const viewWith = (overrides: Partial<PerformanceView> = {}): PerformanceView => ({
  points: [point],
  latest: {
    at: 1_000,
    snapshot: snapshotOf({
      bytes: 3e9,
      files: { hashed: 12, cached: 3, failed: 1 },
      memory: { heap: 20e6 },
      longTaskMs: { ...quantiles, count: 2, max: 93 },
      taskMs: { count: 5, p50: 35, p95: 1_400, p99: 1_400, max: 1_400 }
    }),
    activity: { bytes: 3e9, busyMs: 1_000, running: 1 }
  },
  job: { running: true, rates: { seconds: 8, bytesPerSecond: 134e6, filesPerSecond: 1, utilisation: 0.95 } },
  recommendations: [],
  pool: { kind: "workers", size: 2, kernel: "wasm" },
  calibration: { sha256: 131e6, blake3: 120e6 },
  readings: 3,
  ...overrides
})

/** A monitor whose view the test sets. */
const fakeMonitor = (initial: PerformanceView) => {
  let view = initial
  const listeners = new Set<() => void>()
  const monitor: PerformanceMonitor = {
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getView: () => view
  }
  return {
    monitor,
    listening: () => listeners.size,
    set: (next: PerformanceView) => {
      view = next
      for (const listener of listeners) listener()
    }
  }
}

const renderPage = (monitor: PerformanceMonitor) =>
  render(
    <Announcer>
      <PerformancePage monitor={monitor} />
    </Announcer>
  )

const figure = (name: string) => document.querySelector(`[data-figure="${name}"]`)!

describe("PerformancePage", () => {
  it("says it is reading until the first figures arrive, and listens only while shown", () => {
    const fake = fakeMonitor(viewWith({ latest: undefined, points: [] }))
    const { unmount } = renderPage(fake.monitor)
    expect(screen.getByText("Reading the first figures…")).toBeDefined()
    expect(fake.listening()).toBe(1)
    unmount()
    expect(fake.listening()).toBe(0)
  })

  it("shows the live figures, the pool, the totals, the job and the speeds measured here", () => {
    renderPage(fakeMonitor(viewWith()).monitor)
    expect(figure("throughput").textContent).toContain("120 MB/s")
    expect(figure("throughput").getAttribute("data-value")).toBe("120000000")
    expect(figure("utilisation").textContent).toContain("50 %")
    expect(figure("heap").textContent).toContain("20.0 MB")
    expect(figure("long-tasks").textContent).toContain("longest 93 ms")
    expect(figure("cache-hits").textContent).toContain("no lookup yet")
    expect(figure("pool").textContent).toContain("Web Workers (up to 2), WebAssembly kernels")
    expect(figure("task-time").textContent).toContain("35 ms, 1.4 s")
    expect(figure("files-hashed").getAttribute("data-value")).toBe("12")
    expect(figure("files-cached").getAttribute("data-value")).toBe("3")
    expect(figure("bytes").textContent).toContain("3.00 GB")
    expect(figure("job").textContent).toBe("This job so far8.0 s at 134 MB/s, workers busy 95 %")
    expect(figure("speed-blake3").textContent).toBe("BLAKE3120 MB/s")
    const recommendations = screen.getByRole("region", { name: "Recommendations" })
    expect(within(recommendations).getByText(/Nothing to change/)).toBeDefined()
  })

  it("says why nothing was measured where hashing runs on the page", () => {
    renderPage(fakeMonitor(viewWith({ calibration: undefined, pool: { kind: "inline", size: 1, kernel: "js" } })).monitor)
    expect(figure("pool").textContent).toContain("this page's thread, JavaScript kernels")
    expect(screen.getByText(/Not measured: hashing runs on this page's thread/)).toBeDefined()
  })

  it("lists recommendations, warnings marked, and announces one as it first appears", () => {
    const tip: Recommendation = { id: "cache-missing", severity: "info", message: "Only 17 % of 121 files were answered from the cache." }
    const warning: Recommendation = { id: "pure-js-kernel", severity: "warning", message: "WebAssembly is not available here." }
    const fake = fakeMonitor(viewWith({ recommendations: [warning] }))
    renderPage(fake.monitor)
    const list = screen.getByRole("region", { name: "Recommendations" })
    expect(within(list).getByText("Warning")).toBeDefined()
    // Already there when the view opened: shown, not announced.
    expect(screen.getByRole("status").textContent).toBe("")
    act(() => fake.set(viewWith({ recommendations: [warning, tip] })))
    expect(within(list).getAllByRole("listitem").map((li) => li.getAttribute("data-recommendation"))).toEqual([
      "pure-js-kernel",
      "cache-missing"
    ])
    expect(screen.getByRole("status").textContent).toBe(`Recommendation: ${tip.message}`)
  })
})
