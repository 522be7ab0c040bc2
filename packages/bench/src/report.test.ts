import { describe, expect, it } from "vitest"
import { type Budget, evaluateBudget } from "./budgets.js"
import type { ScenarioResult } from "./execute.js"
import { formatBytes } from "./inputs.js"
import { parseMaxRss } from "./measure.js"
import { parseOptions } from "./options.js"
import { failedLine, formatStatus, formatThreshold, formatValue, historyNote, reading, table, verdictNotes, verdictTable } from "./report.js"
import { digestsIn } from "./scenarios.js"

const scenario: ScenarioResult = {
  id: "files-4k",
  title: "t",
  commands: {
    sluice: { id: "sluice", tool: "sluice", label: "sluice hash", input: "1000 x 4 KiB files", bytes: 4096000, command: "", samples: [], hangs: 0, seconds: 3.2 },
    sha256sum: { id: "sha256sum", tool: "sha256sum", label: "sha256sum", input: "1000 x 4 KiB files", bytes: 4096000, command: "", samples: [], hangs: 0, seconds: 0.016 }
  }
}
const budget: Budget = {
  name: "files-4k-vs-sha256sum",
  scenario: "files-4k",
  metric: "seconds_ratio",
  subject: "sluice",
  peer: "sha256sum",
  direction: "<=",
  enforce: false,
  target: "t",
  sizes: { full: { threshold: 1 }, small: { threshold: 1 } }
}

describe("report", () => {
  it("prints a row per verdict with both figures, the value, the threshold and the verdict", () => {
    const v = evaluateBudget(budget, "small", scenario)
    const text = verdictTable([v], [scenario])
    expect(text).toContain("files-4k-vs-sha256sum")
    expect(text).toContain("sluice hash: 3.200 s")
    expect(text).toContain("sha256sum: 0.016 s")
    expect(text).toContain("200.00x")
    expect(text).toContain("<= 1.00x")
    expect(text).toContain("INFO (would FAIL)")
    expect(formatStatus(v)).toBe("INFO (would FAIL)")
  })

  it("names a failed budget on one line with its value and threshold", () => {
    const v = evaluateBudget({ ...budget, enforce: true }, "small", scenario)
    expect(v.status).toBe("FAIL")
    expect(failedLine(v)).toBe("FAILED files-4k-vs-sha256sum (files-4k): 200.00x, needs <= 1.00x")
  })

  it("says plainly when Sluice loses", () => {
    const v = evaluateBudget(budget, "small", scenario)
    expect(reading(v)).toBe("Sluice takes 200.00x as long as sha256sum (loses)")
    expect(verdictNotes([v], [budget], "small")[0]).toContain("(loses)")
  })

  it("adds a column with the change against the last recorded run when there is a history", () => {
    const v = evaluateBudget(budget, "small", scenario)
    const run = { file: "2026-01-01-abc-small.json", startedAt: "2026-01-01T00:00:00Z", size: "small" as const, gitHead: "abc", cpu: "other", cores: 2, values: new Map([[budget.name, 100]]) }
    const previous = new Map([[budget.name, { value: 100, run }]])
    const text = verdictTable([v], [scenario], previous)
    expect(text.split("\n")[0]).toMatch(/verdict\s+vs last$/)
    expect(text).toContain("+100.0 % (worse)")
    expect(verdictTable([v], [scenario], new Map()).split("\n")[2]).toMatch(/ -$/)
    expect(verdictTable([v], [scenario])).not.toContain("vs last")
    const note = historyNote(previous, { cpu: "AMD EPYC", cores: 2 }, "history", "small")
    expect(note).toContain("2026-01-01-abc-small.json (git abc; another machine: other, 2 cores)")
    expect(historyNote(new Map(), { cpu: "x", cores: 2 }, "history", "full")).toContain("no recorded run of size full")
  })

  it("aligns columns", () => {
    expect(table(["a", "bb"], [["xxx", "1"]], new Set([1]))).toBe("a    bb\n---  --\nxxx   1")
  })
})

describe("helpers", () => {
  it("formats sizes in the largest unit", () => {
    expect(formatBytes(4 * 1024 ** 3)).toBe("4 GiB")
    expect(formatBytes(5765024 * 1024)).toBe("5.50 GiB")
    expect(formatBytes(256 * 1024)).toBe("256 KiB")
    expect(formatBytes(0)).toBe("0 B")
  })

  it("reads GNU time's %M even after a non-zero-status line", () => {
    expect(parseMaxRss("123456\n")).toBe(123456)
    expect(parseMaxRss("Command exited with non-zero status 1\n2048\n")).toBe(2048)
    expect(parseMaxRss("")).toBeUndefined()
  })

  it("finds digests in every tool's format", () => {
    const hex = "a".repeat(64)
    expect(digestsIn(`${hex}  /tmp/x\n`)).toEqual([hex])
    expect(digestsIn(`SHA2-256(/tmp/x)= ${hex}\n`)).toEqual([hex])
  })

  it("parses options, tolerating pnpm's leading --", () => {
    expect(parseOptions(["--", "--size", "full"])).toMatchObject({ size: "full", runs: 5 })
    expect(parseOptions([])).toMatchObject({ size: "small", runs: 3 })
    expect(parseOptions(["--size", "huge"])).toHaveProperty("error")
    expect(parseOptions(["--runs", "0"])).toHaveProperty("error")
    expect(parseOptions([])).toMatchObject({ record: false })
    expect(parseOptions(["--size", "full", "--record", "--history", "h", "--budgets", "b.json"])).toMatchObject({ record: true, history: "h", budgets: "b.json" })
  })

  it("shows a paired ratio to three decimals", () => {
    expect(formatValue("paired_ratio", 0.98765)).toBe("0.988x")
    expect(formatThreshold({ metric: "paired_ratio", direction: ">=", threshold: 0.98 })).toBe(">= 0.980x")
  })

  it("shows browser figures in their units: ms, counts, count ratios", () => {
    expect(formatValue("ms", 14.12)).toBe("14.1 ms")
    expect(formatThreshold({ metric: "ms", direction: "<=", threshold: 100 })).toBe("<= 100 ms")
    expect(formatValue("count", 2)).toBe("2")
    expect(formatThreshold({ metric: "count", direction: ">=", threshold: 2 })).toBe(">= 2")
    expect(formatValue("count_ratio", 1)).toBe("1.00x")
  })

  it("shows cache figures in their units: speedups, extra milliseconds, percentages", () => {
    expect(formatValue("speedup", 3.456)).toBe("3.46x")
    expect(formatValue("extra_ms", 25.04)).toBe("+25.0 ms")
    expect(formatValue("extra_ms", -3)).toBe("-3.0 ms")
    expect(formatThreshold({ metric: "extra_ms", direction: "<=", threshold: 20 })).toBe("<= 20 ms")
    expect(formatValue("percent", 99.04)).toBe("99.0 %")
    expect(formatThreshold({ metric: "percent", direction: ">=", threshold: 98 })).toBe(">= 98 %")
    const base = { budget: "b", target: "t", scenario: "s", subject: "re", direction: ">=" as const, status: "PASS" as const }
    expect(reading({ ...base, metric: "speedup", value: 4 }, "first check")).toBe("4.00x faster than first check")
    expect(reading({ ...base, metric: "extra_ms", value: 12.5 }, "sluice --version")).toBe("12.5 ms more than sluice --version")
  })
})
