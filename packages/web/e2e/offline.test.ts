/**
 * Offline use: once the service worker controls the page, the app reloads and hashes with
 * the network gone. The server is shut down and the browser set offline, so nothing can
 * come from anywhere but the service worker's cache.
 */
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import {
  digestShown,
  expectClean,
  loadApp,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  rowOf,
  waitForStatus,
  writeRandomFile,
  useAppSession
} from "./testkit.js"

const session = useAppSession({ load: false })

afterEach(() => expectClean(session.app))

it("reloads and hashes offline once the service worker controls the page", async () => {
  const { page } = session.app
  await loadApp(session.app)
  // The first install claims the page; installing has cached the whole shell by then.
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 })
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${session.served.origin}/sw.js`)

  await session.served.close()
  await session.app.context.setOffline(true)
  const before = session.app.requests.length
  const failedBefore = session.app.failedRequests.length

  const response = await page.reload({ waitUntil: "load" })
  expect(response?.fromServiceWorker(), "the page comes from the service worker").toBe(true)
  // The load event waits for the entry script and the stylesheet: each came from the cache, or failed by now.
  expect(session.app.failedRequests.slice(failedBefore), "requests the service worker did not answer from its cache").toEqual([])
  await page.getByRole("heading", { name: "Sluice", level: 1 }).waitFor({ timeout: 10_000 })
  await expect.poll(() => page.locator("footer").innerText(), { timeout: 20_000 })
    .toContain("Hashing on a pool of Web Workers")

  const path = await writeRandomFile(join(session.files, "offline.bin"), 2 * MiB)
  const expected = await nativeDigest("sha256sum", path)
  await pickFiles(page, [path])
  await waitForStatus(page, "offline.bin", "Done")
  expect(await digestShown(page, "offline.bin", "SHA-256")).toBe(expected)
  await expect.poll(() => rowOf(page, "offline.bin").innerText()).toMatch(/Hashed at [\d.]+ [kMG]?B\/s\./)
  expect(session.app.failedRequests.slice(failedBefore)).toEqual([])
  report("offline reload", `${session.app.requests.length - before} requests while offline, none failed; SHA-256 ${expected}`)
})

it("made no request beyond its own origin, broke no policy and threw nothing", () => {
  expect(session.app.requests.length).toBeGreaterThan(0)
  // The recording includes the service worker's own fetches (its install caches the shell).
  expect(session.app.requests.some((request) => request.by === "service worker")).toBe(true)
  expectClean(session.app)
})
