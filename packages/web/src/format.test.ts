import { describe, expect, it } from "vitest"
import { formatBytes, formatCount, formatDuration, formatMs, formatPercent, formatRate } from "./format.js"

describe("format", () => {
  it("writes sizes and rates in decimal units", () => {
    expect([0, 999, 1_000, 12_345, 1_073_741_824].map(formatBytes)).toEqual(["0 B", "999 B", "1.00 kB", "12.3 kB", "1.07 GB"])
    expect(formatRate(134e6)).toBe("134 MB/s")
  })

  it("writes counts with thousands separators, as toLocaleString(\"en-US\") does", () => {
    const counts = [0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 1_234_567_890, -4_321, 2.6]
    expect(counts.map(formatCount)).toEqual(["0", "7", "999", "1,000", "12,345", "999,999", "1,000,000", "1,234,567,890", "-4,321", "3"])
    expect(counts.map(formatCount)).toEqual(counts.map((n) => Math.round(n).toLocaleString("en-US")))
  })

  it("writes milliseconds as such under a second, seconds from there", () => {
    expect([0.4, 35, 999.4, 1_400, 7_560, 12_345].map(formatMs)).toEqual(["0 ms", "35 ms", "999 ms", "1.4 s", "7.6 s", "12 s"])
  })

  it("writes times left and shares", () => {
    expect([0, 61, 3_661].map(formatDuration)).toEqual(["0:00", "1:01", "1:01:01"])
    expect(formatPercent(0.999)).toBe("99%")
  })
})
