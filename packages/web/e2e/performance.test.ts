/**
 * Issue 6 in Chromium: the Performance view shows live figures while a 1 GiB file hashes
 * (throughput above zero and moving, workers busy, charts redrawn at 2 Hz or more) without
 * a main-thread task over 50 ms of its own making; after the job it shows the files and
 * bytes; and it recommends something when a rule of core's fires (a cache that keeps
 * missing).
 */
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterEach, expect, it } from "vitest"
import {
  chooseAlgorithms,
  clearFinished,
  digestShown,
  expectClean,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  screenshot,
  useAppSession,
  waitForStatus,
  writeSparseFile
} from "./testkit.js"

const GiB = 1024 * MiB
/** PerformanceCharts' mark, one per redraw. */
const UPDATE_MARK = "sluice:performance-update"

const session = useAppSession()

afterEach(() => expectClean(session.app))

const showView = async (page: Page, name: "Files" | "Performance") => {
  await page.getByRole("tab", { name, exact: true }).click()
  await page.getByRole("tabpanel", { name }).waitFor()
}

/** A figure of the Performance view by name: its number (data-value) and its words. */
const figure = async (page: Page, name: string) => {
  const element = page.locator(`[data-figure="${name}"]`)
  const value = await element.getAttribute("data-value", { timeout: 2_000 })
  return { value: value === null || value === "" ? undefined : Number(value), text: (await element.locator(".figure-value").innerText()).trim() }
}

const waitForFigure = (page: Page, name: string, ok: (value: number) => boolean, timeout: number) =>
  expect.poll(async () => ok((await figure(page, name)).value ?? NaN), { timeout, interval: 100 }).toBe(true)

interface Watch {
  readonly since: number
  until: number
  readonly tasks: Array<{ start: number; duration: number }>
  readonly updates: Array<number>
}

it("shows live figures of a 1 GiB job, redrawn at 2 Hz or more, with no long task", async () => {
  const { page } = session.app
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeSparseFile(join(session.files, "large.bin"), GiB)
  // Before the measurement, so that the native tool does not compete with the browser for the cores.
  const expected = await nativeDigest("sha256sum", path)

  await showView(page, "Performance")
  expect(page.url()).toMatch(/#performance$/)
  await waitForFigure(page, "throughput", (v) => v === 0, 10_000)
  // The speeds are measured on a worker once, while nothing hashes: let that pass first.
  await page.locator('[data-calibrated="true"]').waitFor({ timeout: 20_000 })
  const speeds = await page.locator('[data-figure^="speed-"]').allInnerTexts()
  report("speeds measured on a worker", speeds.map((s) => s.replace(/\s+/g, " ")).join("; "))

  await page.evaluate((mark) => {
    const watch: Watch = { since: performance.now(), until: Infinity, tasks: [], updates: [] }
    ;(globalThis as { __sluiceE2ePerf?: Watch }).__sluiceE2ePerf = watch
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) watch.tasks.push({ start: entry.startTime, duration: entry.duration })
    }).observe({ type: "longtask" })
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name === mark) watch.updates.push(entry.startTime)
    }).observe({ type: "mark" })
  }, UPDATE_MARK)

  // The file input is in the Files view, hidden behind the tab: picking works all the same.
  await pickFiles(page, [path])
  const started = await page.evaluate(() => performance.now())
  await waitForFigure(page, "throughput", (v) => v > 0, 20_000)
  const first = await figure(page, "throughput")
  await page.waitForTimeout(1_200)
  const second = await figure(page, "throughput")
  const busy = await figure(page, "utilisation")
  report("live figures", `throughput "${first.text}" then "${second.text}", workers busy "${busy.text}"`)
  expect(first.value).toBeGreaterThan(0)
  expect(second.value).toBeGreaterThan(0)
  expect(second.value).not.toBe(first.value)
  expect(busy.value).toBeGreaterThan(0)
  expect(busy.text).toMatch(/^\d+ %$/)
  await screenshot(page, "performance-live.png")

  await waitForFigure(page, "files-hashed", (v) => v === 1, 80_000)
  const seen = await page.evaluate(() => {
    const watch = (globalThis as unknown as { __sluiceE2ePerf: Watch }).__sluiceE2ePerf
    watch.until = performance.now()
    return watch
  })

  const during = seen.updates.filter((at) => at >= started)
  const seconds = (seen.until - started) / 1000
  const gaps = during.slice(1).map((at, i) => at - during[i]!)
  const rate = during.length / seconds
  const longest = Math.max(0, ...seen.tasks.map((t) => t.duration))
  report(
    "Performance view during a 1 GiB SHA-256 job",
    `${seconds.toFixed(1)} s: ${during.length} chart updates (${rate.toFixed(2)} Hz, longest gap ${Math.max(0, ...gaps).toFixed(0)} ms); ` +
      `${seen.tasks.length} long tasks (longest ${longest.toFixed(0)} ms; none means every task was ≤ 50 ms)`
  )
  expect(rate).toBeGreaterThanOrEqual(2)
  expect(longest).toBeLessThanOrEqual(50)

  expect((await figure(page, "bytes")).value).toBe(GiB)
  expect((await figure(page, "bytes")).text).toBe("1.07 GB")
  const job = await figure(page, "job")
  expect(job.text).toMatch(/ at [\d.]+ MB\/s, workers busy \d+ %$/)
  report("the job, as the view sums it up", job.text)
  await screenshot(page, "performance-after.png")

  await showView(page, "Files")
  await waitForStatus(page, "large.bin", "Done", 5_000)
  expect(await digestShown(page, "large.bin", "SHA-256")).toBe(expected)
})

it("recommends something when a rule fires: the cache misses most files", async () => {
  const { page } = session.app
  await clearFinished(page)
  const names = Array.from({ length: 60 }, (_, i) => `small-${String(i).padStart(2, "0")}.txt`)
  const paths = names.map((name) => join(session.files, name))
  // 1 MiB or more: a smaller file is never looked up in the cache (it is hashed again).
  const write = (version: string, which: ReadonlyArray<string>) =>
    Promise.all(which.map((path) => writeFile(path, Buffer.alloc(1024 * 1024 + 64, `${version} ${path}\n`))))
  const hashAll = async () => {
    await clearFinished(page)
    await pickFiles(page, paths)
    for (const name of names) await waitForStatus(page, name, "Done", 20_000)
  }

  await write("one", paths)
  await hashAll()
  // Two thirds change (content and time); the others are answered from the cache.
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  await write("two", paths.slice(0, 40))
  await hashAll()

  await showView(page, "Performance")
  const tip = page.locator('[data-recommendation="cache-missing"]')
  await tip.waitFor({ timeout: 10_000 })
  report("recommendation", (await tip.innerText()).replace(/\s+/g, " "))
  expect(await tip.innerText()).toMatch(/of \d+ files were answered from the cache/)
  expect((await figure(page, "files-cached")).value).toBeGreaterThanOrEqual(20)
  const hits = await figure(page, "cache-hits")
  expect(hits.value).toBeLessThan(0.5)
  await showView(page, "Files")
})
