import { act, cleanup, renderHook } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { HashRow } from "../jobs/HashJobs.js"
import { PREVIEW_LINES, previewOf, useThrottledRows } from "./ExportPanel.js"

const row = (id: number, status: HashRow["status"]): HashRow => ({
  id,
  name: `f${id}`,
  size: 1,
  algorithms: ["sha256"],
  status,
  bytes: status === "done" ? 1 : 0,
  bytesPerSecond: 0,
  etaSeconds: undefined,
  digests: {},
  failure: undefined,
  retryable: false,
  resumedAt: undefined,
  cached: false
})

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }))
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe("useThrottledRows", () => {
  it("passes the rows through at most once a second while files hash, and at once when none does", () => {
    const progress = (bytes: number) => [row(1, "done"), { ...row(2, "hashing"), bytes }]
    const first = progress(0)
    const { rerender, result } = renderHook(({ rows }) => useThrottledRows(rows, 1_000), { initialProps: { rows: first } })
    expect(result.current).toBe(first)
    // A frame of progress every 30 ms: the export keeps what it showed until the second is up.
    let latest = first
    for (let t = 0; t < 990; t += 30) {
      latest = progress(t + 1)
      rerender({ rows: latest })
      act(() => vi.advanceTimersByTime(30))
      expect(result.current).toBe(first)
    }
    // 990 ms: one more frame's time and the second is up.
    act(() => vi.advanceTimersByTime(30))
    expect(result.current).toBe(latest)
    const next = progress(2_000)
    rerender({ rows: next })
    act(() => vi.advanceTimersByTime(500))
    expect(result.current).toBe(latest)
    act(() => vi.advanceTimersByTime(500))
    expect(result.current).toBe(next)
    const finished = [row(1, "done"), row(2, "done")]
    rerender({ rows: finished })
    expect(result.current).toBe(finished)
  })
})

describe("previewOf", () => {
  it("keeps a short text whole", () => {
    expect(previewOf("a\nb\n")).toBe("a\nb\n")
  })

  it("shows the first lines of a long text and counts the rest", () => {
    const text = Array.from({ length: PREVIEW_LINES + 7 }, (_, i) => `line ${i}\n`).join("")
    const preview = previewOf(text)
    expect(preview.split("\n").slice(0, PREVIEW_LINES)).toEqual(text.split("\n").slice(0, PREVIEW_LINES))
    expect(preview.endsWith("… and 7 more lines in the file")).toBe(true)
  })
})
