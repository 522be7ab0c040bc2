import { describe, expect, it } from "vitest"
import { median, medianInterval, runOnce, which } from "./measure.js"

describe("runOnce", () => {
  it("captures output and exit status", async () => {
    const s = await runOnce(["sh", "-c", "echo out; echo err >&2; exit 3"], { rssFile: "/dev/null", timeoutMs: 10_000 })
    expect(s.stdout).toBe("out\n")
    expect(s.stderr).toBe("err\n")
    expect(s.exitCode).toBe(3)
    expect(s.timedOut).toBe(false)
    expect(s.seconds).toBeGreaterThan(0)
  })

  it("kills a hung command's whole process group, children holding the pipe included", async () => {
    const started = Date.now()
    const s = await runOnce(["sh", "-c", "sleep 30 & wait"], { rssFile: "/dev/null", timeoutMs: 300 })
    expect(s.timedOut).toBe(true)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe("helpers", () => {
  it("takes medians of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it("brackets the median by order statistics, wider for fewer values", () => {
    const values = Array.from({ length: 33 }, (_, i) => i + 1)
    // n = 33: ranks 11 and 23 (1-based) around the median 17.
    expect(medianInterval(values)).toEqual([11, 23])
    expect(medianInterval([5, 1, 3])).toEqual([1, 5])
    expect(medianInterval([])).toEqual([Number.NaN, Number.NaN])
  })

  it("finds executables on PATH", () => {
    expect(which("sh")).toMatch(/\/sh$/)
    expect(which("surely-not-a-command-xyz")).toBeUndefined()
  })
})
