/**
 * The runner as CI runs it (dist/run.js, built before the tests): a budget that breaks makes
 * the process exit 1, a report-only one never does, and `--record` feeds the next run's
 * "vs last" column. Its budgets file names one cheap scenario (start-up: an empty file).
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const RUNNER = fileURLToPath(new URL("../dist/run.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "bench-run-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** No Node process fits in 1 MiB: this budget breaks on any machine (and without GNU time, unmeasured, it fails too). */
const impossible = (enforce: boolean) => ({
  budgets: [{
    name: "startup-rss-impossible",
    scenario: "startup",
    metric: "rss_mib",
    subject: "sluice",
    direction: "<=",
    target: "peak RSS of `sluice hash` on an empty file <= 1 MiB (cannot hold)",
    sizes: { full: { threshold: 1 }, small: { threshold: 1 } },
    enforce
  }]
})

const bench = (name: string, budgets: unknown, extra: ReadonlyArray<string> = []) => {
  const file = join(dir, `${name}.budgets.json`)
  writeFileSync(file, JSON.stringify(budgets))
  const json = join(dir, `${name}.result.json`)
  const run = spawnSync(
    process.execPath,
    [RUNNER, "--size", "small", "--runs", "1", "--budgets", file, "--json", json, "--tmpdir", dir, "--history", join(dir, "history"), ...extra],
    { encoding: "utf8", timeout: 120_000 }
  )
  return { ...run, result: existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) as { exitCode: number } : undefined }
}

describe("the bench runner", () => {
  it("is built (turbo builds it before its tests)", () => {
    expect(existsSync(RUNNER), `${RUNNER} is missing: pnpm --filter @sluice/bench build`).toBe(true)
  })

  it("exits 1 when an enforced budget breaks, and records the run", () => {
    const run = bench("enforced", impossible(true), ["--record"])
    expect(run.status, run.stderr).toBe(1)
    expect(run.stdout).toMatch(/startup-rss-impossible .* FAIL/)
    expect(run.stdout).toContain("0 passed, 1 failed")
    expect(run.result?.exitCode).toBe(1)
    expect(readdirSync(join(dir, "history"))).toHaveLength(1)
  }, 120_000)

  it("exits 0 when the same budget is report-only, and shows the change against the recorded run", () => {
    const run = bench("reported", impossible(false))
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain("INFO (would FAIL)")
    expect(run.stdout).toMatch(/verdict\s+vs last/)
    expect(run.stdout).toMatch(/vs last: each value against the newest run of size small recorded in .* with a figure for it: \d{4}-\d\d-\d\d-/)
    expect(run.result?.exitCode).toBe(0)
  }, 120_000)

  it("exits 2 on a budgets file it cannot use", () => {
    const run = bench("malformed", { budgets: [{ name: "x" }] })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain("budgets.json")
  }, 60_000)
})
