import { describe, expect, it } from "vitest"
import { chartData, niceCeiling, shortNumber, withAlpha } from "./chartData.js"

describe("chartData", () => {
  it("puts each point at its seconds before the latest reading, keeping gaps", () => {
    const at = (ms: number, heapMB: number | null) => ({ at: ms, mbPerSecond: 0, busyPercent: 0, heapMB, longTasks: 0, cacheHitPercent: null })
    expect(chartData([at(9_200, 10), at(9_600, null), at(10_000, 12)], 10_000, "heapMB")).toEqual([[-0.8, -0.4, 0], [10, null, 12]])
  })
})

describe("niceCeiling", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.3, 1, 7, 12, 120, 130, 250, 999].map(niceCeiling)).toEqual([1, 0.5, 1, 10, 20, 200, 200, 500, 1000])
  })
})

describe("withAlpha and shortNumber", () => {
  it("turns a computed colour into a fill, and labels an axis briefly", () => {
    expect(withAlpha("rgb(31, 95, 214)", 0.15)).toBe("rgba(31, 95, 214, 0.15)")
    expect(withAlpha("#123", 0.5)).toBe("#123")
    expect([0, 2.5, 50, 1_500, 25_000].map(shortNumber)).toEqual(["0", "2.5", "50", "1.5k", "25k"])
  })
})
