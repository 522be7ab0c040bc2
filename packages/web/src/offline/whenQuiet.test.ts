import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { whenQuiet } from "./whenQuiet.js"

describe("whenQuiet", () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const watch = (busy: () => boolean, quietMs: number) => {
    let done = false
    void whenQuiet(busy, quietMs, 250, () => Date.now()).then(() => (done = true))
    return () => done
  }

  it("resolves after the quiet time when nothing is busy", async () => {
    const done = watch(() => false, 1000)
    await vi.advanceTimersByTimeAsync(750)
    expect(done()).toBe(false)
    await vi.advanceTimersByTimeAsync(250)
    expect(done()).toBe(true)
  })

  it("waits while busy, then counts the quiet time from the last busy check", async () => {
    let busy = true
    const done = watch(() => busy, 1000)
    await vi.advanceTimersByTimeAsync(5000)
    expect(done()).toBe(false)
    busy = false
    await vi.advanceTimersByTimeAsync(750)
    expect(done()).toBe(false)
    await vi.advanceTimersByTimeAsync(500)
    expect(done()).toBe(true)
  })

  it("starts counting again when work starts within the quiet time", async () => {
    let busy = false
    const done = watch(() => busy, 1000)
    await vi.advanceTimersByTimeAsync(500)
    busy = true
    await vi.advanceTimersByTimeAsync(250)
    busy = false
    await vi.advanceTimersByTimeAsync(750)
    expect(done()).toBe(false)
    await vi.advanceTimersByTimeAsync(500)
    expect(done()).toBe(true)
  })
})
