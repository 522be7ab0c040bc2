/**
 * Issue 4 in Chromium: a large hash interrupted by a reload (as a crash or a closed tab would
 * interrupt it) goes on from its last checkpoint, kept in IndexedDB, when the same file is
 * picked again, and ends with the digest sha256sum gives. The page says what was unfinished
 * and where the row resumed.
 */
import { join } from "node:path"
import { expect, it } from "vitest"
import {
  chooseAlgorithms,
  digestShown,
  expectClean,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  rowOf,
  waitForStatus,
  wordsOf,
  writeRandomFile,
  writeSparseFile,
  useAppSession
} from "./testkit.js"

const session = useAppSession()

const percentOf = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN)

it("a hash stopped by a reload resumes from its checkpoint and gives sha256sum's digest", async () => {
  const { page } = session.app
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeRandomFile(join(session.files, "resume.bin"), 384 * MiB)
  const expected = await nativeDigest("sha256sum", path)

  const pickedAt = Date.now()
  await pickFiles(page, [path])
  await waitForStatus(page, "resume.bin", "Hashing", 10_000)
  const progress = rowOf(page, "resume.bin").getByRole("progressbar")
  await expect.poll(async () => Number(await progress.getAttribute("value")) / (384 * MiB), {
    timeout: 30_000,
    interval: 50
  }).toBeGreaterThan(0.4)
  const firstRunMs = Date.now() - pickedAt

  // The page goes away in the middle of the hash, at once (nothing waits for a save), as a crash would take it.
  const reloaded = page.waitForEvent("load")
  const stoppedAt = await page.evaluate(() => {
    const bar = document.querySelector<HTMLProgressElement>('li[aria-label="resume.bin"] progress')!
    setTimeout(() => location.reload(), 0)
    return bar.value / bar.max
  })
  await reloaded
  await page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
  const panel = page.getByRole("region", { name: "Unfinished hashes" })
  const panelText = await wordsOf(panel.locator("p"))
  expect(panelText).toMatch(/^Unfinished: resume\.bin, \d+% \(SHA-256\) — pick or drop the same file to resume\.$/)
  const kept = percentOf(panelText, /resume\.bin, (\d+)%/)
  expect(kept).toBeGreaterThanOrEqual(30)

  // The algorithms are remembered across the reload; the same file again resumes.
  const resumedAt = Date.now()
  await pickFiles(page, [path])
  await panel.waitFor({ state: "detached", timeout: 10_000 })
  const resumed = rowOf(page, "resume.bin").locator(".resumed")
  await resumed.waitFor({ timeout: 10_000 })
  const firstProgress = Date.now() - resumedAt
  const resumedText = await wordsOf(resumed)
  expect(resumedText).toMatch(/^Resumed at \d+%, from a saved checkpoint\.$/)
  const from = percentOf(resumedText, /at (\d+)%/)
  expect(from).toBeGreaterThanOrEqual(30)

  await waitForStatus(page, "resume.bin", "Done", 60_000)
  const finished = Date.now() - resumedAt
  expect(await digestShown(page, "resume.bin", "SHA-256")).toBe(expected)
  expect(await wordsOf(resumed)).toBe(resumedText)
  report(
    "resume after a reload (384 MiB, SHA-256)",
    `first run reached ${(stoppedAt * 100).toFixed(1)}% in ${firstRunMs} ms and was reloaded away; ` +
      `checkpoint kept at ${kept}%, resumed at ${from}% (about ${(stoppedAt * 100 - from).toFixed(1)} points redone); ` +
      `resumed progress shown ${firstProgress} ms after the second pick, done ${finished} ms after it`
  )

  // Completed: nothing is left to resume after another reload.
  await page.reload({ waitUntil: "load" })
  await page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
  await page.waitForTimeout(300)
  expect(await panel.count()).toBe(0)
  expectClean(session.app)
}, 90_000)

// Last: the init script stays for every later page of this browser.
it("where IndexedDB refuses (as in some private modes), a large file still hashes, only without a checkpoint", async () => {
  const { context, page } = session.app
  await context.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException("A mutation operation was attempted on a database that did not allow mutations.", "InvalidStateError")
    }
  })
  await page.reload({ waitUntil: "load" })
  await page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
  expect(await page.evaluate(() => {
    try {
      indexedDB.open("probe")
      return "opened"
    } catch (error) {
      return (error as DOMException).name
    }
  })).toBe("InvalidStateError")
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeSparseFile(join(session.files, "private.bin"), 96 * MiB)
  const expected = await nativeDigest("sha256sum", path)
  await pickFiles(page, [path])
  await waitForStatus(page, "private.bin", "Done", 30_000)
  expect(await digestShown(page, "private.bin", "SHA-256")).toBe(expected)
  expect(await page.getByRole("region", { name: "Unfinished hashes" }).count()).toBe(0)
  expectClean(session.app)
}, 60_000)
