/**
 * 1,000 small files picked at once, as issue 13 asks of the Hash tool: every digest the one
 * `sha256sum` prints (the Export panel's SHA256SUMS, downloaded), the list a compact table
 * with only the rows in view in the DOM, and no main-thread task of the app's over 50 ms.
 * Chromium's own task that turns the picked paths into the input's FileList is reported
 * apart: the page cannot split it (the app's change handling inside it is counted).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import { chooseAlgorithms, clearFinished, expectClean, pickFiles, report, runIn, useAppSession } from "./testkit.js"

const session = useAppSession()

afterEach(() => expectClean(session.app))

const COUNT = 1000
const SIZE = 4096

type Marks = {
  since: number
  until: number
  tasks: Array<{ start: number; duration: number }>
  changeStart?: number
  changeEnd?: number
}

/** Long tasks and the change event's dispatch, from now on. */
const observe = (page: typeof session.app.page) =>
  page.evaluate(() => {
    const state: Marks = { since: performance.now(), until: Infinity, tasks: [] }
    ;(globalThis as { __sluiceE2eMany?: Marks }).__sluiceE2eMany = state
    document.addEventListener("change", () => void (state.changeStart ??= performance.now()), { capture: true, once: true })
    addEventListener("change", () => void (state.changeEnd ??= performance.now()), { once: true })
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.tasks.push({ start: entry.startTime, duration: entry.duration })
    }).observe({ type: "longtask" })
  })

const summaryText = (page: typeof session.app.page) =>
  page.evaluate(() => document.querySelector("section.summary .summary-text p")?.textContent ?? "")

it("hashes 1,000 files of 4 KiB to sha256sum's digests, in a virtualised table, with no long task of the app's", async () => {
  const { page } = session.app
  const dir = join(session.files, "many")
  await mkdir(dir)
  const names = Array.from({ length: COUNT }, (_, i) => `f${String(i).padStart(4, "0")}.bin`)
  for (const name of names) await writeFile(join(dir, name), randomBytes(SIZE))
  const expected = await runIn(dir, "sha256sum", names)
  await chooseAlgorithms(page, ["SHA-256"])

  // A loaded machine can stretch one task past 50 ms: up to three runs, one clean run required, every figure reported.
  const runs: Array<{ seconds: number; pickMs: number; handlingMs: number; others: Array<number> }> = []
  for (let attempt = 0; attempt < 3; attempt++) {
    await clearFinished(page)
    await observe(page)
    const started = performance.now()
    await pickFiles(page, names.map((name) => join(dir, name)))
    await expect.poll(() => summaryText(page), { timeout: 60_000, interval: 50 }).toBe(`${COUNT} files · ${COUNT} done`)
    const seconds = (performance.now() - started) / 1000
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
    const seen = await page.evaluate(() => {
      const state = (globalThis as unknown as { __sluiceE2eMany: Marks }).__sluiceE2eMany
      state.until = performance.now()
      return state
    })
    const change = seen.changeStart ?? -1
    const pick = seen.tasks.find((t) => t.start <= change && change <= t.start + t.duration)
    const run = {
      seconds,
      pickMs: pick?.duration ?? 0,
      handlingMs: (seen.changeEnd ?? 0) - (seen.changeStart ?? 0),
      others: seen.tasks.filter((t) => t !== pick).map((t) => t.duration)
    }
    runs.push(run)
    report(
      `${COUNT} files of 4 KiB, run ${attempt + 1}`,
      `${seconds.toFixed(2)} s to all done; Chromium's pick task ${run.pickMs.toFixed(0)} ms (0 = under 50 ms), the app's change handling in it ` +
        `${run.handlingMs.toFixed(1)} ms; the app's other long tasks: ${run.others.length === 0 ? "none" : run.others.map((ms) => `${ms.toFixed(0)} ms`).join(", ")}`
    )
    if (run.handlingMs <= 50 && run.others.length === 0) break
  }

  // Only the rows in view are in the DOM; scrolled to the end, the last file's row is.
  const rows = page.getByRole("list", { name: "Files", exact: true }).getByRole("listitem")
  expect(await rows.count()).toBeLessThan(100)
  await page.locator(".rows-scroller").evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
  await expect.poll(() => page.getByRole("listitem", { name: names.at(-1)!, exact: true }).count()).toBe(1)
  const last = page.getByRole("listitem", { name: names.at(-1)!, exact: true })
  expect(await last.locator(".status").innerText()).toBe("Done")

  // Every digest, from the downloaded SHA256SUMS.
  const download = page.waitForEvent("download")
  await page.getByRole("link", { name: "Download SHA256SUMS" }).click()
  const saved = await (await download).path()
  const sums = await readFile(saved, "utf8")
  expect(sums.split("\n").filter((l) => l !== "").sort()).toEqual(expected.split("\n").filter((l) => l !== "").sort())

  expect(runs.some((run) => run.handlingMs <= 50 && run.others.length === 0), "one run without a long task of the app's").toBe(true)
})
