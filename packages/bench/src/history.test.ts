import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { formatChange, loadHistory, parseRecordedRun, previousValues, recordName, recordRun } from "./history.js"

const dirs: Array<string> = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-history-test-"))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const doc = (startedAt: string, size: string, values: Record<string, number | undefined>, gitHead = "abc1234") => ({
  startedAt,
  size,
  machine: { cpu: "AMD EPYC", cores: 2 },
  sluice: { gitHead },
  verdicts: Object.entries(values).map(([budget, value]) => (value === undefined ? { budget, status: "FAIL" } : { budget, value, status: "PASS" }))
})

describe("recorded runs", () => {
  it("reads a run's result: its size, start, git head, machine and every value", () => {
    const run = parseRecordedRun("x.json", doc("2026-01-02T03:04:05.000Z", "full", { a: 0.9, b: undefined }))
    expect(run).toMatchObject({ file: "x.json", size: "full", gitHead: "abc1234", cpu: "AMD EPYC", cores: 2 })
    expect(typeof run === "string" ? run : [...run.values]).toEqual([["a", 0.9]])
    expect(parseRecordedRun("y.json", { size: "full", verdicts: [] })).toBe("no startedAt")
    expect(parseRecordedRun("y.json", [])).toBe("not a JSON object")
  })

  it("compares each budget with the newest run of the same size that has a value for it", () => {
    const runs = [
      doc("2026-01-01T00:00:00Z", "full", { a: 1, b: 2, c: 3 }, "old"),
      doc("2026-03-01T00:00:00Z", "full", { a: 1.1, b: undefined }, "new"),
      doc("2026-04-01T00:00:00Z", "small", { a: 9, b: 9, c: 9 }, "small")
    ].map((d, i) => parseRecordedRun(`${i}.json`, d)).filter((r) => typeof r !== "string")
    const previous = previousValues(runs, "full")
    expect(previous.get("a")).toMatchObject({ value: 1.1, run: { gitHead: "new" } })
    // b has no value in the newest run (it failed to measure): the one before is its last.
    expect(previous.get("b")).toMatchObject({ value: 2, run: { gitHead: "old" } })
    expect(previous.get("c")).toMatchObject({ value: 3 })
    expect(previousValues(runs, "small").get("a")?.value).toBe(9)
    expect(previousValues([], "full").size).toBe(0)
  })

  it("loads a folder, skipping files that are not a run's result", () => {
    const dir = scratch()
    writeFileSync(join(dir, "2026-01-01-abc-full.json"), JSON.stringify(doc("2026-01-01T00:00:00Z", "full", { a: 1 })))
    writeFileSync(join(dir, "broken.json"), "{")
    writeFileSync(join(dir, "README.md"), "not json")
    const { runs, problems } = loadHistory(dir)
    expect(runs.map((r) => r.file)).toEqual(["2026-01-01-abc-full.json"])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^broken\.json: /)
    expect(loadHistory(join(dir, "missing"))).toEqual({ runs: [], problems: [] })
  })

  it("names a record by date, git head and size, never over another", () => {
    const run = { startedAt: "2026-05-06T07:08:09.000Z", gitHead: "abc1234", dirty: false, size: "full" as const }
    expect(recordName(run, () => false)).toBe("2026-05-06-abc1234-full.json")
    expect(recordName({ ...run, dirty: true }, () => false)).toBe("2026-05-06-abc1234-dirty-full.json")
    expect(recordName({ ...run, gitHead: undefined }, () => false)).toBe("2026-05-06-nogit-full.json")
    const dir = scratch()
    recordRun(dir, run, "{}\n")
    recordRun(dir, run, "{}\n")
    expect(readdirSync(dir).sort()).toEqual(["2026-05-06-abc1234-full-2.json", "2026-05-06-abc1234-full.json"])
  })
})

describe("formatChange", () => {
  it("shows ratios and sizes as a relative change, marking a move against the budget's direction", () => {
    expect(formatChange("ratio", ">=", 0.81, 0.9)).toBe("-10.0 % (worse)")
    expect(formatChange("ratio", ">=", 0.99, 0.9)).toBe("+10.0 %")
    expect(formatChange("seconds_ratio", "<=", 1.1, 1)).toBe("+10.0 % (worse)")
    expect(formatChange("rss_mib", "<=", 100, 110)).toBe("-9.1 %")
    expect(formatChange("paired_ratio", ">=", 0.99, 0.99)).toBe("=")
  })

  it("shows figures where 0 is meaningful in their own unit", () => {
    expect(formatChange("ms", "<=", 12, 0)).toBe("+12.0 ms (worse)")
    expect(formatChange("extra_ms", "<=", 9, 18)).toBe("-9.0 ms")
    expect(formatChange("percent", ">=", 97.5, 99)).toBe("-1.5 pt (worse)")
    expect(formatChange("count", "<=", 0, 0)).toBe("=")
    expect(formatChange("count", "<=", 2, 0)).toBe("+2 (worse)")
    expect(formatChange("speedup", ">=", 3, 0)).toBe("was 0")
  })
})
