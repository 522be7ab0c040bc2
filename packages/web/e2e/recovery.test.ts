/**
 * Issue 4 in Chromium: a Web Worker that dies in the middle of a job is replaced, its work
 * redone on a healthy one, and the job finishes with the digest sha256sum gives; the page
 * says a worker was restarted.
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
  writeRandomFile,
  useAppSession
} from "./testkit.js"

const session = useAppSession()

it("a Web Worker terminated mid-job is replaced and the job finishes with sha256sum's digest", async () => {
  const { page } = session.app
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeRandomFile(join(session.files, "survivor.bin"), 384 * MiB)
  const expected = await nativeDigest("sha256sum", path)

  await pickFiles(page, [path])
  await waitForStatus(page, "survivor.bin", "Hashing", 10_000)
  await expect.poll(() => rowOf(page, "survivor.bin").locator(".row-rate").innerText(), { timeout: 10_000 })
    .toMatch(/ left$/)

  // Every worker closes itself, as a crashed one would vanish: no event reaches the page.
  const workers = page.workers()
  expect(workers.length).toBeGreaterThan(0)
  const killedAt = Date.now()
  await Promise.all(workers.map((worker) => worker.evaluate(() => (globalThis as unknown as { close(): void }).close())))

  await waitForStatus(page, "survivor.bin", "Done", 60_000)
  report("recovery after every worker was terminated", `done ${Date.now() - killedAt} ms after the kill`)
  expect(await digestShown(page, "survivor.bin", "SHA-256")).toBe(expected)
  await expect.poll(() => page.getByRole("status").filter({ hasText: "restarted" }).innerText())
    .toMatch(/hashing workers? (was|were) restarted; (its|their) work was redone, and every result is complete\./)
  expectClean(session.app)
}, 120_000)
